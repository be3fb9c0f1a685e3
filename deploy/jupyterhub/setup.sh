#!/usr/bin/env bash
# A practice server on a fresh Debian machine, in one command (run as root from a checkout):
#
#     sudo deploy/jupyterhub/setup.sh [--port 8000]
#
# It installs Node's configurable-http-proxy (npm) when missing, makes a Python environment
# every user can run (/opt/rejection-workbook: not under anyone's private home), installs the
# workbook with the hub into it, makes the Unix groups `rejection-workbook` (clients) and
# `therapists`, and starts the hub on 127.0.0.1. Add people with
#     /opt/rejection-workbook/bin/python -m workbook.hubsetup add-person NAME [--therapist]
# and set their password with `passwd NAME`. Settings: see workbook/hubsetup.py (Settings).
set -euo pipefail
cd "$(dirname "$0")/../.."
PREFIX="${REJECTION_WORKBOOK_PREFIX:-/opt/rejection-workbook}"

[ "$(id -u)" = 0 ] || { echo "Run this as root: the hub starts each person's server as that person." >&2; exit 1; }

missing=()
command -v python3 >/dev/null || missing+=(python3)
python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)
command -v npm >/dev/null || missing+=(npm nodejs)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v configurable-http-proxy >/dev/null || npm install -g --silent configurable-http-proxy

if [ ! -x "$PREFIX/bin/python" ]; then
  python3 -m venv "$PREFIX"
fi
"$PREFIX/bin/python" -m pip install --quiet --upgrade pip
"$PREFIX/bin/python" -m pip install --quiet ".[hub]"
chmod -R a+rX "$PREFIX"  # every user runs this Python and reads the package

exec "$PREFIX/bin/python" -m workbook.hubsetup start "$@"
