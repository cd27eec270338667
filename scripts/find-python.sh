#!/usr/bin/env bash
# Print the path of an installed Python of the given minor version, or fail saying where we looked.
#
# Usage: scripts/find-python.sh 3.12
#
# Looks for pythonX.Y on PATH (a pyenv shim counts only if it runs), then in pyenv's versions
# folder. It never downloads a Python: the test matrix runs on the interpreters this machine has.
set -euo pipefail

want="${1:?usage: $0 X.Y}"
works() { "$1" -c 'import sys; sys.exit(0)' >/dev/null 2>&1; }

if command -v "python$want" >/dev/null 2>&1 && works "python$want"; then
    command -v "python$want"
    exit 0
fi
root="${PYENV_ROOT:-$HOME/.pyenv}"
for candidate in $(ls -d "$root/versions/$want".*/bin/"python$want" 2>/dev/null | sort -rV); do
    if works "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done
echo "find-python: no Python $want on PATH or in $root/versions; install it (e.g. pyenv install $want)" >&2
exit 1
