#!/usr/bin/env bash
# Start a throwaway redis-server for trying several workers locally, and print its URL.
#
# Usage: scripts/redis.sh [PORT]     (default 6379; nothing is saved to disk)
#
# Installs redis-server from the distribution's packages if it is missing (via
# ensure-system-packages.sh), then runs it in the foreground on 127.0.0.1 until Ctrl-C.
# The test suite does not need this script: its fixtures start their own server on a free port.
set -euo pipefail

port="${1:-6379}"
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/ensure-system-packages.sh" redis-server >&2
echo "REDIS_URL=redis://127.0.0.1:${port}/0" >&2
exec redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no
