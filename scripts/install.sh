#!/usr/bin/env bash
# `install` and the steps it shares with `update`. Sourced, never run.

ensure_user() {
  local nologin
  nologin=$(command -v nologin || printf /usr/sbin/nologin)
  if staging || ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
    say "Creating the system user $SERVICE_USER"
    system_run useradd --system --user-group --no-create-home --home-dir "$HEMS_STATE_DIR" \
      --shell "$nologin" "$SERVICE_USER"
  fi
  system_run usermod -a -G "$SERIAL_GROUP" "$SERVICE_USER"
}

# Directory of the output file when file output is on (empty otherwise).
data_dir() {
  if has_output file && [[ -n ${HEMS_FILE:-} ]]; then dirname -- "$HEMS_FILE"; fi
}

# Creates the state directory and, for file output, the data directory, owned by the service.
prepare_dirs() {
  local state data
  state=$(target "$HEMS_STATE_DIR")
  install -d -m 0750 "$state"
  system_run chown "$SERVICE_USER:$SERVICE_GROUP" "$state"
  data=$(data_dir)
  [[ -n $data ]] || return 0
  if [[ ! -d $(target "$data") ]] || path_within "$data" "$HEMS_STATE_DIR"; then
    install -d -m 0750 "$(target "$data")"
    system_run chown "$SERVICE_USER:$SERVICE_GROUP" "$(target "$data")"
  else
    warn "$data already exists: make sure $SERVICE_USER can write to it"
  fi
}

write_settings() {
  local file
  file=$(target "$INSTALL_DIR/.env")
  answer_pairs
  if [[ -f $file ]]; then
    cp -p -- "$file" "$file.bak"
    chmod 600 -- "$file.bak"
  fi
  env_write "$file" "${ENV_PAIRS[@]}"
  system_run chown "$SERVICE_USER:$SERVICE_GROUP" "$file"
  say "Wrote the settings to $INSTALL_DIR/.env (mode 600)"
}

write_unit() {
  local file tmp
  file=$(target "$UNIT_PATH")
  install -d -m 0755 "$(dirname -- "$file")"
  tmp=$(mktemp "$file.XXXXXX")
  render_unit "$SCRIPTS_DIR/hems-data-collector.service.in" "$NODE" "$SERIAL_PORT" "$HEMS_STATE_DIR" \
    "$(data_dir)" >"$tmp" || {
    rm -f -- "$tmp"
    exit 1
  }
  chmod 644 -- "$tmp"
  mv -f -- "$tmp" "$file"
  say "Wrote the unit $UNIT_PATH"
}

show_summary() {
  say ""
  say "Settings: port $SERIAL_PORT at $SERIAL_RATE baud, outputs: $HEMS_OUTPUT, time zone $LOCAL_TIMEZONE"
  if has_output file; then say "  file: $HEMS_FILE ($FILE_FORMAT)"; fi
  say "  state: $HEMS_STATE_DIR"
}

cmd_install() {
  require_root
  NODE=$(find_node)
  load_existing_answers "$(target "$INSTALL_DIR/.env")"
  collect_answers
  ensure_user
  deploy_app "$PROJECT_DIR"
  write_settings
  prepare_dirs
  write_unit
  system_run systemctl daemon-reload
  if [[ ${NO_START:-0} == 1 ]]; then
    system_run systemctl enable "$SERVICE_NAME"
    say "Enabled; start it with: sudo systemctl start $SERVICE_NAME"
  else
    system_run systemctl enable --now "$SERVICE_NAME"
  fi
  show_summary
  say "Installed. Status: sudo $0 status   Logs: journalctl -u $SERVICE_NAME -f"
}
