#!/usr/bin/env bash
# Refresh the JavaScript the demo serves from demo_app/static/vendor/ (committed, so the demo works offline).
#
# Usage: scripts/update-vendor.sh            install exactly what demo_app/package-lock.json pins
#        scripts/update-vendor.sh --upgrade  re-resolve demo_app/package.json's ranges (htmx 2.0.x) and rewrite the lock
#
# The pins live in demo_app/package.json: htmx.org 2.0.x (as "htmx2"), htmx-ext-sse, and htmx.org 4.0.1
# (as "htmx4"; only its core and dist/ext/hx-sse.js are used). npm runs in a temporary directory so no
# node_modules/ is left in the tree; --ignore-scripts because we only copy files out of the packages.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
demo="$root/demo_app"
vendor="$demo/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$demo/package.json" "$work/"
if [ "${1:-}" = "--upgrade" ]; then
    echo "update-vendor: resolving demo_app/package.json ranges"
    (cd "$work" && npm install --ignore-scripts --no-audit --no-fund)
    cp "$work/package-lock.json" "$demo/package-lock.json"
else
    cp "$demo/package-lock.json" "$work/"
    echo "update-vendor: installing the versions pinned in demo_app/package-lock.json"
    (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund)
fi

modules="$work/node_modules"
mkdir -p "$vendor/htmx2" "$vendor/htmx4"
cp "$modules/htmx2/dist/htmx.min.js" "$vendor/htmx2/htmx.min.js"
cp "$modules/htmx-ext-sse/sse.js" "$vendor/htmx2/sse.js"
cp "$modules/htmx4/dist/htmx.min.js" "$vendor/htmx4/htmx.min.js"
cp "$modules/htmx4/dist/ext/hx-sse.js" "$vendor/htmx4/hx-sse.js"

version() { node -p "require('$modules/$1/package.json').version"; }
{
    echo "# Written by scripts/update-vendor.sh; do not edit."
    echo "htmx2/htmx.min.js  htmx.org@$(version htmx2) dist/htmx.min.js"
    echo "htmx2/sse.js       htmx-ext-sse@$(version htmx-ext-sse) sse.js"
    echo "htmx4/htmx.min.js  htmx.org@$(version htmx4) dist/htmx.min.js"
    echo "htmx4/hx-sse.js    htmx.org@$(version htmx4) dist/ext/hx-sse.js"
} > "$vendor/VERSIONS.txt"
echo "update-vendor: wrote $vendor"
cat "$vendor/VERSIONS.txt"
