#!/usr/bin/env bash
# `uninstall`: stop, disable and remove the service; data and user only when confirmed.
# Sourced, never run.

cmd_uninstall() {
  require_root
  local env_file state data=
  env_file=$(target "$INSTALL_DIR/.env")
  forget_answers
  if [[ -f $env_file ]]; then load_existing_answers "$env_file"; fi
  HEMS_STATE_DIR=${HEMS_STATE_DIR:-$DEFAULT_STATE_DIR}
  state=$HEMS_STATE_DIR
  data=$(data_dir)

  if staging; then
    say "skipped (staging root): systemctl disable --now $SERVICE_NAME"
  else
    systemctl disable --now "$SERVICE_NAME" 2>/dev/null || true
  fi
  rm -f -- "$(target "$UNIT_PATH")"
  system_run systemctl daemon-reload
  if ! staging; then systemctl reset-failed "$SERVICE_NAME" 2>/dev/null || true; fi
  rm -rf -- "$(target "$INSTALL_DIR")"
  say "Removed the unit and $INSTALL_DIR"

  if [[ ${PURGE_DATA:-0} == 1 ]] || confirm "Delete the collected data in $state${data:+ and $HEMS_FILE}?"; then
    if [[ -n $data ]] && ! path_within "$data" "$state"; then
      rm -f -- "$(target "$HEMS_FILE")"
      rmdir -- "$(target "$data")" 2>/dev/null || true
    fi
    rm -rf -- "$(target "$state")"
    say "Deleted the data"
  else
    say "Kept the data in $state${data:+ and $HEMS_FILE}"
  fi

  if [[ ${REMOVE_USER:-0} == 1 ]] || confirm "Remove the system user $SERVICE_USER?"; then
    if staging || id -u "$SERVICE_USER" >/dev/null 2>&1; then system_run userdel "$SERVICE_USER"; fi
  else
    say "Kept the user $SERVICE_USER"
  fi
  say "Uninstalled."
}
