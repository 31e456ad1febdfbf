#!/usr/bin/env bash
# Full install check: a real `install` (npm ci, build, prune) into a staging root, then checks
# that only production dependencies are left, the native module loads, the built entry point
# exists and systemd-analyze accepts the unit. Too slow for the unit tests (better-sqlite3
# compiles from source: minutes), so it runs on demand: make check-install.
# Usage: scripts/full-install-check.sh [--no-install] DIR
set -euo pipefail

REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
install=1
if [[ ${1:-} == --no-install ]]; then
  install=0
  shift
fi
[[ $# -eq 1 ]] || {
  echo "usage: $0 [--no-install] DIR" >&2
  exit 2
}
mkdir -p -- "$1"
ROOT=$(cd -- "$1" && pwd)
APP=$ROOT/opt/hems-data-collector
NODE=$(command -v node)
failures=0
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAIL: $what" >&2
    failures=$((failures + 1))
  fi
}

if ((install)); then
  B_ROUTE_ID=${B_ROUTE_ID:-0123456789ABCDEF0123456789ABCDEF} B_ROUTE_PASSWORD=${B_ROUTE_PASSWORD:-PASSWORD1234} \
    NODE_BIN=$NODE "$REPO/service-manager.sh" install --root "$ROOT" --non-interactive
fi

check "the app is built (dist/cli/main.js)" test -f "$APP/dist/cli/main.js"
for dev in typescript vitest tsx fast-check @biomejs/biome; do
  check "dev dependency $dev is pruned" test ! -e "$APP/node_modules/$dev"
done
for dep in better-sqlite3 serialport commander; do
  check "dependency $dep is installed" test -d "$APP/node_modules/$dep"
done
sqlite_works() {
  (cd "$APP" && [[ $("$NODE" -e '
    const D = require("better-sqlite3");
    console.log(new D(":memory:").prepare("select 40 + 2 as x").get().x);' 2>/dev/null) == 42 ]])
}
check "better-sqlite3 loads and runs" sqlite_works
check ".env has mode 600" test "$(stat -c %a "$APP/.env")" = 600

# systemd-analyze verify --root needs the unit directory and node inside the root.
mkdir -p "$ROOT/usr/lib/systemd" "$ROOT$(dirname "$NODE")"
[[ -d $ROOT/usr/lib/systemd/system ]] || cp -R /usr/lib/systemd/system "$ROOT/usr/lib/systemd/"
[[ -e $ROOT$NODE ]] || ln "$(readlink -f "$NODE")" "$ROOT$NODE" 2>/dev/null || cp "$(readlink -f "$NODE")" "$ROOT$NODE"
verify_out=$(systemd-analyze verify --root="$ROOT" "$ROOT/etc/systemd/system/hems-data-collector.service" 2>&1) ||
  verify_out="exit status $?: $verify_out"
check "systemd-analyze verify passes${verify_out:+ ($verify_out)}" test -z "$verify_out"

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "full install check passed"
