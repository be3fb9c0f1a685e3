#!/usr/bin/env bash
# A practice server on a fresh Debian machine, in one command (run as root from a checkout):
#
#     sudo deploy/jupyterhub/setup.sh [--port 8000]
#     sudo deploy/jupyterhub/setup.sh --install-only     # install or upgrade, don't start
#
# It installs Node's configurable-http-proxy (npm) when missing, makes a Python environment
# every user can run (/opt/rejection-workbook, from the system's own Python: never one under
# anyone's private home, such as root's pyenv), installs the workbook with the hub into it,
# installs the hub's config beside it (/opt/rejection-workbook/etc/jupyterhub_config.py, root's
# alone), checks that an unprivileged user can run it, and starts the hub on 127.0.0.1 from
# there (not from this checkout). Running it again upgrades the environment and the config,
# and remakes an environment other users can't run. Add people with
#     /opt/rejection-workbook/bin/python -m workbook.hubsetup add-person NAME [--therapist]
# and set their password with `passwd NAME`. Settings: see workbook/hub/setup.py (Settings).
# $REJECTION_WORKBOOK_PREFIX installs somewhere else (a folder every user can enter).
set -euo pipefail

PREFIX="${REJECTION_WORKBOOK_PREFIX:-/opt/rejection-workbook}"
CHECKOUT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MINIMUM="3.11" # the workbook's requires-python
# What a person's server needs from the environment, imported as `nobody` to check it.
IMPORTS="import workbook, jupyterhub, jupyter_server, voila, jupyterlab"

stop() { # one plain sentence, and out
  echo "rejection-workbook setup: $*" >&2
  exit 1
}

# enterable DIR: other users can pass through DIR and every folder above it.
enterable() {
  local dir
  dir="$(readlink -f -- "$1")" || return 1
  while :; do
    [ "$(($(stat -L -c '0%a' -- "$dir") & 01))" = 1 ] || return 1
    [ "$dir" = / ] && return 0
    dir="$(dirname -- "$dir")"
  done
}

# open_to_everyone PATH: other users can reach PATH and its real file (through every folder on
# the way to each) and read and run that file (what a 0700 home, such as /root, breaks).
open_to_everyone() {
  local real
  real="$(readlink -f -- "$1")" && [ -f "$real" ] || return 1
  [ "$(($(stat -L -c '0%a' -- "$real") & 05))" = 5 ] || return 1
  enterable "$(dirname -- "$1")" && enterable "$(dirname -- "$real")"
}

# every_user_can_run PYTHON [CODE]: an unprivileged user (nobody) runs this Python (and CODE
# with it), from a folder they may enter: what each person's server will do.
every_user_can_run() {
  local python="$1" code="${2:-import sys}"
  open_to_everyone "$python" || return 1
  (cd / && runuser -u nobody -- "$python" -I -c "$code") >/dev/null 2>&1
}

# new_enough PYTHON: the workbook's Python version, with venv and ensurepip (python3-venv).
new_enough() {
  "$1" -I -c "import sys, venv, ensurepip; sys.exit(sys.version_info < tuple(map(int, '$MINIMUM'.split('.'))))" \
    >/dev/null 2>&1
}

# system_python: the first Python every user can run and new enough; prints its path.
system_python() {
  local candidate
  for candidate in /usr/bin/python3 /usr/local/bin/python3 "$(command -v python3 || true)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    if new_enough "$candidate" && every_user_can_run "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# make_environment PYTHON: $PREFIX as a venv of PYTHON, remade when it is a link or other users
# can't run it (e.g. a venv of root's pyenv, or a link into /root).
make_environment() {
  local python="$1"
  if [ -L "$PREFIX" ]; then
    echo "$PREFIX is a link ($(readlink -- "$PREFIX")); making a real environment there instead."
    rm -- "$PREFIX" # the link only, not what it points to
  fi
  if [ -e "$PREFIX/bin/python" ] && ! every_user_can_run "$PREFIX/bin/python"; then
    echo "Other users can't run $PREFIX/bin/python; making it again from $python."
    "$python" -m venv --clear "$PREFIX"
  elif [ ! -x "$PREFIX/bin/python" ]; then
    "$python" -m venv "$PREFIX"
  fi
}

# install_workbook: the workbook with the hub from this checkout (a reinstall on every run),
# then the hub's config from the installed package beside the environment, root's alone.
install_workbook() {
  local shipped
  "$PREFIX/bin/python" -I -m pip install --quiet --upgrade pip
  "$PREFIX/bin/python" -I -m pip install --quiet --upgrade "$CHECKOUT[hub]"
  shipped="$("$PREFIX/bin/python" -I -c \
    'from workbook.paths import _shipped; print(_shipped("deploy") / "jupyterhub" / "jupyterhub_config.py")')"
  install -d -o root -g root -m 0755 "$PREFIX/etc"
  install -o root -g root -m 0644 "$shipped" "$PREFIX/etc/jupyterhub_config.py"
  chown -R root:root "$PREFIX"
  chmod -R u+w,go-w,a+rX "$PREFIX" # every user runs this Python and reads the package; only root changes it
}

main() {
  local install_only=0 arguments=() argument python
  for argument in "$@"; do
    if [ "$argument" = --install-only ]; then install_only=1; else arguments+=("$argument"); fi
  done
  [ "$(id -u)" = 0 ] || stop "Run this as root: the hub starts each person's server as that person."
  umask 022 # what is installed is readable by everyone, changed by root only
  command -v runuser >/dev/null || stop "runuser (util-linux) is missing: install it and run this again."

  local missing=()
  { [ -x /usr/bin/python3 ] && new_enough /usr/bin/python3; } || missing+=(python3 python3-venv)
  command -v npm >/dev/null || command -v configurable-http-proxy >/dev/null || missing+=(npm nodejs)
  if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! command -v configurable-http-proxy >/dev/null; then
    command -v npm >/dev/null || stop "npm is missing, so configurable-http-proxy can't be installed: install Node.js with npm, then run this again."
    npm install -g --silent configurable-http-proxy
  fi

  python="$(system_python)" ||
    stop "No Python $MINIMUM or newer with venv that every user can run was found (install Debian's python3 and python3-venv, then run this again)."
  make_environment "$python"
  install_workbook
  every_user_can_run "$PREFIX/bin/python" "$IMPORTS" ||
    stop "The user nobody can't run the workbook with $PREFIX/bin/python, so no one could log in: make $PREFIX and every folder above it readable by everyone, then run this again."
  echo "Installed in $PREFIX (config: $PREFIX/etc/jupyterhub_config.py)."
  [ "$install_only" = 0 ] || return 0

  cd / # the hub imports nothing from this checkout
  exec "$PREFIX/bin/python" -I -m workbook.hubsetup start --config "$PREFIX/etc/jupyterhub_config.py" \
    ${arguments[@]+"${arguments[@]}"}
}

# sourced (as tests/test_deploy.py does, to try the functions above): define, don't run
if ! (return 0 2>/dev/null); then
  main "$@"
fi
