#!/usr/bin/env bash
# `uninstall`: stop, disable and remove the service; data and user only when confirmed.
# Sourced, never run.

# purge_dir DIR: deletes DIR only when the installer created it (it holds the marker) and it is
# no system directory; otherwise says why it stays.
purge_dir() {
  local dir=$1 real problem
  real=$(target "$dir")
  if [[ ! -e $real ]]; then return 0; fi
  problem=$(system_dir_problem "$dir")
  if [[ -n $problem ]]; then
    say "Kept $dir: it $problem"
  elif [[ ! -f $real/$OWNED_MARKER ]]; then
    say "Kept $dir: it has no $OWNED_MARKER marker (the installer did not create it); delete it yourself if it holds nothing else"
  else
    rm -rf -- "$real"
    say "Deleted $dir"
  fi
}

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
    if [[ -n $data ]] && ! path_within "$data" "$state"; then purge_dir "$data"; fi
    purge_dir "$state"
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
