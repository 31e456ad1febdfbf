#!/usr/bin/env bash
# `update`: reinstall the app and regenerate the unit, keeping .env unless asked to reconfigure.
# Sourced, never run.
# shellcheck disable=SC2034 # NODE is read by write_unit (install.sh)

# Clears the answer variables so the values come from the .env file alone.
forget_answers() {
  unset HEMS_SCHEDULE_ANSWER "${ASKED_KEYS[@]}" "${APP_KEYS[@]}"
}

cmd_update() {
  require_root
  local env_file was_active=0 reconfigure=${RECONFIGURE:-0}
  env_file=$(target "$INSTALL_DIR/.env")
  [[ -f $env_file ]] || die "$INSTALL_DIR/.env not found: nothing to update (run: sudo $0 install)"
  NODE=$(find_node)
  find_question_app
  if [[ $reconfigure != 1 ]] && interactive && confirm "Change the settings (outputs, port, schedule...)?"; then
    reconfigure=1
  fi
  if [[ $reconfigure == 1 ]]; then
    load_existing_answers "$env_file"
    collect_answers
    check_answers_before_deploy
  else
    forget_answers
    load_existing_answers "$env_file"
    SERIAL_PORT=${SERIAL_PORT:-/dev/ttyUSB0}
    HEMS_OUTPUT=${HEMS_OUTPUT:-}
    HEMS_STATE_DIR=${HEMS_STATE_DIR:-$DEFAULT_STATE_DIR}
    check_dirs
    say "Keeping the settings in $INSTALL_DIR/.env"
  fi
  if ! staging && systemctl is-active --quiet "$SERVICE_NAME"; then
    was_active=1
    say "Stopping $SERVICE_NAME"
    systemctl stop "$SERVICE_NAME"
  fi
  ensure_user
  deploy_app "$PROJECT_DIR"
  if [[ $reconfigure == 1 ]]; then
    check_answers_after_deploy
    write_settings
  else
    check_env_file "$env_file" "the app is updated but stays stopped: fix $INSTALL_DIR/.env or run: sudo $0 update --reconfigure"
  fi
  prepare_dirs
  write_unit
  system_run systemctl daemon-reload
  if ((was_active)); then
    say "Starting $SERVICE_NAME again"
    systemctl start "$SERVICE_NAME"
  else
    say "The service was not running; it stays stopped (start: sudo systemctl start $SERVICE_NAME)"
  fi
  say "Updated."
}
