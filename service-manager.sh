#!/usr/bin/env bash
# Installs, updates, removes and inspects hems-data-collector as a hardened systemd service.
# Run `./service-manager.sh help` for the commands and options.
set -euo pipefail

PROJECT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
SCRIPTS_DIR=$PROJECT_DIR/scripts

# shellcheck source=scripts/common.sh
. "$SCRIPTS_DIR/common.sh"
# shellcheck source=scripts/envfile.sh
. "$SCRIPTS_DIR/envfile.sh"
# shellcheck source=scripts/answers.sh
. "$SCRIPTS_DIR/answers.sh"
# shellcheck source=scripts/unit.sh
. "$SCRIPTS_DIR/unit.sh"
# shellcheck source=scripts/app.sh
. "$SCRIPTS_DIR/app.sh"
# shellcheck source=scripts/install.sh
. "$SCRIPTS_DIR/install.sh"
# shellcheck source=scripts/update.sh
. "$SCRIPTS_DIR/update.sh"
# shellcheck source=scripts/uninstall.sh
. "$SCRIPTS_DIR/uninstall.sh"
# shellcheck source=scripts/status.sh
. "$SCRIPTS_DIR/status.sh"

usage() {
  cat <<EOF
Usage: sudo $0 COMMAND [OPTIONS]

Commands:
  install     ask for the settings, install the app in $INSTALL_DIR, write .env and the
              systemd unit, enable and start the service
  update      reinstall the app and regenerate the unit, keeping .env (asks whether to change
              the settings); restarts the service only if it was running
  uninstall   stop, disable and remove the service (asks before deleting data and the user)
  status      systemd status and the time of the last stored reading
  help        this text

Options:
  --non-interactive, -y   never prompt: answers come from flags and the environment, using
                          the same names as .env (SERIAL_PORT, SERIAL_RATE, B_ROUTE_ID,
                          B_ROUTE_PASSWORD, HEMS_OUTPUT, FILE_FORMAT, HEMS_FILE, LOCAL_TIMEZONE,
                          HEMS_MODE, HEMS_SCHEDULE, HEMS_INTERVAL, HEMS_STATE_DIR, and each
                          output's own: 'hems-data-collector config-fields' lists them all); a
                          missing or invalid answer exits with status 2, one line per problem
  --root DIR              install into a staging root (for packaging and tests); skips
                          useradd, chown and systemctl, saying so
  --skip-build            copy the sources but skip npm ci / build / prune
  --no-start              install: enable the service but do not start it
  --reconfigure           update: ask again for (or take from the environment) the settings
  --purge-data            uninstall: delete the collected data without asking
  --remove-user           uninstall: delete the system user without asking
  --serial-port PATH      --serial-rate N       --b-route-id ID
  --output "file webhook" --file PATH           --file-format csv|json|yaml
  --webhook-url URL       --gcp-project ID      --gcp-topic NAME
  --mqtt-url URL          --timezone ZONE       --schedule CRON|SECONDS
  --state-dir DIR         --set KEY=VALUE (any setting the app lists, by its .env name; repeatable)
  The B-route password is taken from B_ROUTE_PASSWORD or asked for (hidden), never from a
  flag, so it does not show up in the process list.
EOF
}

COMMAND=${1:-help}
SET_PAIRS=()
[[ $# -gt 0 ]] && shift

while [[ $# -gt 0 ]]; do
  opt=$1
  case $opt in
  --non-interactive | -y) NON_INTERACTIVE=1 ;;
  --skip-build) SKIP_BUILD=1 ;;
  --no-start) NO_START=1 ;;
  --reconfigure) RECONFIGURE=1 ;;
  --purge-data) PURGE_DATA=1 ;;
  --remove-user) REMOVE_USER=1 ;;
  --root | --serial-port | --serial-rate | --b-route-id | --output | --file | --file-format | \
    --webhook-url | --gcp-project | --gcp-topic | --mqtt-url | --timezone | --schedule | --state-dir | \
    --set)
    [[ $# -ge 2 ]] || die "$opt needs a value" 2
    value=$2
    shift
    # The outputs' settings are read by name, from the app's list (scripts/answers.sh).
    # shellcheck disable=SC2034
    case $opt in
    --root)
      [[ -n $value ]] || die "--root needs a directory" 2
      mkdir -p -- "$value"
      STAGE_ROOT=$(cd -- "$value" && pwd)
      [[ $STAGE_ROOT != / ]] || STAGE_ROOT=
      ;;
    --serial-port) SERIAL_PORT=$value ;;
    --serial-rate) SERIAL_RATE=$value ;;
    --b-route-id) B_ROUTE_ID=$value ;;
    --output) HEMS_OUTPUT=$value ;;
    --file) HEMS_FILE=$value ;;
    --file-format) FILE_FORMAT=$value ;;
    --webhook-url) WEBHOOK_URL=$value ;;
    --gcp-project) GCP_PROJECT_ID=$value ;;
    --gcp-topic) GCP_TOPIC_NAME=$value ;;
    --mqtt-url) MQTT_URL=$value ;;
    --timezone) LOCAL_TIMEZONE=$value ;;
    --schedule) HEMS_SCHEDULE_ANSWER=$value HEMS_MODE=given ;;
    --state-dir) HEMS_STATE_DIR=$value ;;
    --set)
      [[ $value =~ ^[A-Z][A-Z0-9_]*= ]] || die "--set needs KEY=VALUE with an upper-case .env key (got: ${value%%=*})" 2
      [[ ${value%%=*} != B_ROUTE_PASSWORD ]] || die "--set: the B-route password is never taken from a flag (use B_ROUTE_PASSWORD)" 2
      SET_PAIRS+=("$value") # applied once the app has said which keys exist (scripts/answers.sh)
      ;;
    esac
    ;;
  -h | --help)
    usage
    exit 0
    ;;
  *) die "unknown option: $opt (see: $0 help)" 2 ;;
  esac
  shift
done

case $COMMAND in
install) cmd_install ;;
update) cmd_update ;;
uninstall) cmd_uninstall ;;
status) cmd_status ;;
help | -h | --help) usage ;;
*)
  usage >&2
  exit 2
  ;;
esac
