#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only when their program is missing.
#
# Usage: scripts/ensure-system-packages.sh chromium [redis-server ...]
#
# Each argument is a Debian package name; the script checks for the program that package
# provides (see binary_for) and installs the package only when that program is absent, so it
# is cheap to run before every `make test`. `apt-get update` runs at most once per call, and
# only when something has to be installed. It never prompts (DEBIAN_FRONTEND=noninteractive)
# and uses sudo only when not already root.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 PACKAGE [PACKAGE ...]   e.g. $0 chromium redis-server" >&2
    exit 2
fi

# Packages installed together with the named one: headless chromium draws text with
# whatever fonts exist, and a bare Debian image may have none (screenshots of boxes).
companions_for() {
    case "$1" in
        chromium) echo fonts-liberation ;;
    esac
}

# The program whose presence proves the package is installed.
binary_for() {
    case "$1" in
        chromium) echo /usr/bin/chromium ;;
        redis-server) echo redis-server ;;
        *) echo "$1" ;;
    esac
}

is_present() {
    local bin
    bin="$(binary_for "$1")"
    if [[ "$bin" == /* ]]; then
        [ -x "$bin" ]
    else
        command -v "$bin" >/dev/null 2>&1
    fi
}

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    SUDO=()
fi

missing=()
for pkg in "$@"; do
    if is_present "$pkg"; then
        echo "ensure-system-packages: $pkg already installed ($(binary_for "$pkg"))"
    else
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-system-packages: missing ${missing[*]} and apt-get is not available; install them with your package manager" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "ensure-system-packages: missing ${missing[*]}; running apt-get update"
"${SUDO[@]}" apt-get update -q
to_install=()
for pkg in "${missing[@]}"; do
    to_install+=("$pkg")
    for extra in $(companions_for "$pkg"); do
        to_install+=("$extra")
    done
done
echo "ensure-system-packages: apt-get install -y --no-install-recommends ${to_install[*]}"
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${to_install[@]}"

for pkg in "${missing[@]}"; do
    if ! is_present "$pkg"; then
        echo "ensure-system-packages: $pkg installed but $(binary_for "$pkg") is still missing" >&2
        exit 1
    fi
    echo "ensure-system-packages: installed $pkg"
done
