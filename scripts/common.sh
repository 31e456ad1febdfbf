#!/usr/bin/env bash
# Shared constants and helpers for service-manager.sh. Sourced, never run.
# shellcheck disable=SC2034 # constants are used by the other sourced files

SERVICE_NAME=hems-data-collector
SERVICE_USER=hems-data-collector
SERVICE_GROUP=hems-data-collector
SERIAL_GROUP=dialout
INSTALL_DIR=${HEMS_INSTALL_DIR:-/opt/hems-data-collector}
UNIT_PATH=/etc/systemd/system/${SERVICE_NAME}.service
DEFAULT_STATE_DIR=/var/lib/hems-data-collector

# Staging root: when set (--root DIR), every path below is written under it and nothing that
# needs a running systemd or real users (useradd, chown, systemctl) is done.
STAGE_ROOT=${STAGE_ROOT:-}

say() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$1" >&2
  exit "${2:-1}"
}

# The real path of a target path (prefixed with the staging root when there is one).
target() { printf '%s%s' "$STAGE_ROOT" "$1"; }

staging() { [[ -n $STAGE_ROOT ]]; }

# Runs a command that needs real users or a running systemd; in a staging root it is only named.
system_run() {
  if staging; then
    say "skipped (staging root): $*"
    return 0
  fi
  "$@"
}

require_root() {
  if ! staging && [[ $(id -u) -ne 0 ]]; then
    die "this command must be run as root (try: sudo $0 $COMMAND)"
  fi
}

# True when stdin should be answered by a person (prompts), false for --non-interactive.
interactive() { [[ ${NON_INTERACTIVE:-0} != 1 ]]; }

# Asks a yes/no question; the default answer is "no". Non-interactive: the given fallback.
confirm() {
  local question=$1 fallback=${2:-n} reply
  if ! interactive; then
    [[ $fallback == y ]]
    return
  fi
  if ! read -r -p "$question [y/N]: " reply; then reply=n; fi
  [[ $reply =~ ^[Yy]([Ee][Ss])?$ ]]
}

# Node.js binary used by the unit's ExecStart (NODE_BIN overrides the one on PATH).
find_node() {
  local node=${NODE_BIN:-}
  if [[ -z $node ]]; then node=$(command -v node || true); fi
  [[ -n $node ]] || die "node (Node.js 20 or newer) was not found; install it or set NODE_BIN"
  [[ $node == /* ]] || die "NODE_BIN must be an absolute path: $node"
  local version major
  version=$("$node" --version 2>/dev/null) || die "cannot run $node"
  major=${version#v}
  major=${major%%.*}
  [[ $major =~ ^[0-9]+$ ]] || die "$node --version printed '$version', not a Node.js version"
  ((major >= 20)) || die "Node.js 20 or newer is required ($node is version $major)"
  case $node in
  /root/* | /home/* | /run/user/*) warn "$node is hidden from the service by ProtectHome=yes; install Node.js system-wide" ;;
  esac
  printf '%s' "$node"
}
