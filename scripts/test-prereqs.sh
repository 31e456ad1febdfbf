#!/usr/bin/env bash
# Run first by `npm test`: are the system programs the tests run for real installed? Missing
# ones are installed with apt-get when that needs no password (root, or `sudo -n`); otherwise
# the run stops at once with one line naming the packages and the command that installs them.
# Usage: scripts/test-prereqs.sh [--bench]   (exit 0: all there, 1: missing or the install failed)
#   --bench: for `npm run bench`, which also counts fsyncs with strace.
set -euo pipefail

# The one list: "program package" for every program a test starts. chromium is the Debian and
# Raspberry Pi OS package name; Ubuntu has chromium-browser instead (see browser_package).
PREREQS=(
  "socat socat"                     # pseudo-terminals for the serial path
  "mosquitto mosquitto"             # the MQTT broker
  "shellcheck shellcheck"           # lint of the service scripts
  "systemd-analyze systemd"         # the unit file is verified
  "systemd-escape systemd"          # unit names of device paths
  "systemd-notify systemd"          # sd_notify messages
  "make make"                       # Makefile targets
  "python3 python3"                 # a unix datagram socket standing in for systemd's
  "setpriv util-linux"              # scripts run as an unprivileged user
  "chromium|chromium-browser BROWSER" # the dashboard in a headless browser
)
AGAIN="npm test"
if [[ ${1:-} == --bench ]]; then
  PREREQS+=("strace strace") # bench/footprint.ts counts the collector's fsyncs
  AGAIN="npm run bench"
elif (($# > 0)); then
  echo "usage: scripts/test-prereqs.sh [--bench]" >&2
  exit 2
fi

# Daemons such as mosquitto live in sbin, which a normal user's PATH may leave out.
SEARCH_PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

have() { PATH=$SEARCH_PATH command -v "$1" >/dev/null 2>&1; }

browser_package() {
  if have apt-cache && ! apt-cache show chromium >/dev/null 2>&1 &&
    apt-cache show chromium-browser >/dev/null 2>&1; then
    echo chromium-browser
  else
    echo chromium
  fi
}

# Sets `programs` and `packages` to what is missing (each package once).
find_missing() {
  local entry alternatives package alt found
  programs=()
  packages=()
  for entry in "${PREREQS[@]}"; do
    alternatives=${entry%% *}
    package=${entry#* }
    found=0
    IFS='|' read -r -a alts <<<"$alternatives"
    for alt in "${alts[@]}"; do
      if have "$alt"; then found=1; fi
    done
    ((found)) && continue
    programs+=("${alts[0]}")
    [[ $package == BROWSER ]] && package=$(browser_package)
    [[ " ${packages[*]} " == *" $package "* ]] || packages+=("$package")
  done
}

say() { printf 'test prerequisites: %s\n' "$*" >&2; }

find_missing
((${#programs[@]} == 0)) && exit 0

packages_line() { printf 'apt-get install -y --no-install-recommends %s' "${packages[*]}"; }

if ! have apt-get; then
  say "missing ${programs[*]}; install them with this system's package manager (Debian packages: ${packages[*]}), then run $AGAIN again"
  exit 1
fi
if ((EUID == 0)); then
  as_root=()
elif have sudo && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
elif have sudo; then
  say "missing ${packages[*]}; install them, then run $AGAIN again: sudo apt-get update && sudo $(packages_line)"
  exit 1
else
  say "missing ${packages[*]}; install them as root, then run $AGAIN again: apt-get update && $(packages_line)"
  exit 1
fi

say "missing ${packages[*]}; installing them with apt-get"
apt_get() { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq "$@"; }
# The package lists of a fresh machine may be empty: update first, then name the packages again.
if ! apt_get update || ! find_missing || ! apt_get install -y --no-install-recommends "${packages[@]}" >/dev/null; then
  say "apt-get failed (see above); install them as root, then run $AGAIN again: apt-get update && $(packages_line)"
  exit 1
fi
find_missing
if ((${#programs[@]} > 0)); then
  say "still missing after apt-get install: ${programs[*]}"
  exit 1
fi
