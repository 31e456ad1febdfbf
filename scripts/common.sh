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

# Marks a directory the installer created: `uninstall --purge-data` deletes only those.
OWNED_MARKER=.hems-data-collector-owned

# Directories the installer must never take over (chmod, chown) nor delete, nor use as a parent
# of its own: the system's, and the app's install directory. /lib* and /usr/lib* are matched too.
SYSTEM_DIRS=(/ /bin /boot /dev /etc /home /lost+found /media /mnt /opt /proc /root /run /sbin /snap
  /srv /sys /tmp /usr /usr/bin /usr/games /usr/include /usr/libexec /usr/local /usr/local/bin
  /usr/local/sbin /usr/local/share /usr/sbin /usr/share /usr/src /var /var/backups /var/cache
  /var/lib /var/local /var/lock /var/log /var/mail /var/opt /var/run /var/spool /var/tmp)

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

# Succeeds when $1 is inside directory $2 (or equal to it).
path_within() { [[ $1 == "$2" || $1 == "${2%/}"/* ]]; }

# The path PATH as the system sees it, with `..` and symlinks resolved; in a staging root,
# relative to that root unless a symlink leads out of it (then the real path outside).
resolved_path() {
  local real root
  real=$(realpath -m -- "$(target "$1")")
  if staging; then
    root=$(realpath -m -- "$STAGE_ROOT")
    if path_within "$real" "$root"; then
      real=${real#"$root"}
      real=${real:-/}
    fi
  fi
  printf '%s' "$real"
}

# Prints why PATH must not be a state or data directory (a system directory or a parent of
# one, checked as written with `..` resolved and with symlinks resolved), or nothing.
system_dir_problem() {
  local path=$1 p d
  for p in "$(realpath -m -s -- "$path")" "$(resolved_path "$path")"; do
    if [[ $p =~ ^/(usr/)?lib[^/]*$ ]]; then
      printf 'is a system directory (%s): %s\n' "$p" "$path"
      return
    fi
    for d in "${SYSTEM_DIRS[@]}" "$INSTALL_DIR"; do
      if [[ $p == "$d" ]]; then
        printf 'is a system directory (%s): %s\n' "$d" "$path"
        return
      fi
      if path_within "$d" "$p"; then
        printf 'contains the system directory %s: %s\n' "$d" "$path"
        return
      fi
    done
  done
}

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
