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

# Writes the marker that lets `uninstall --purge-data` delete the directory DIR (a real path).
mark_owned() {
  printf '%s\n' "Created by hems-data-collector's service-manager.sh: 'service-manager.sh uninstall --purge-data' deletes this directory." \
    >"$1/$OWNED_MARKER"
  chmod 644 -- "$1/$OWNED_MARKER"
}

# own_dir DIR: makes DIR the service's. A missing directory is created (mode 750) with the
# marker; an existing one without the marker is used as it is and never deleted by uninstall
# (the default state directory of an earlier install is ours by name and gets the marker).
own_dir() {
  local dir=$1 real
  real=$(target "$dir")
  if [[ ! -e $real ]]; then
    install -d -m 0750 "$real"
    mark_owned "$real"
  elif [[ -f $real/$OWNED_MARKER ]]; then
    chmod 0750 -- "$real"
  elif [[ $dir == "$DEFAULT_STATE_DIR" ]]; then
    chmod 0750 -- "$real"
    mark_owned "$real"
  else
    say "Using the existing directory $dir (the installer did not create it, so uninstall keeps it)"
  fi
  system_run chown "$SERVICE_USER:$SERVICE_GROUP" "$real"
}

# Creates the state directory and, for file output, the data directory, owned by the service.
prepare_dirs() {
  local data
  own_dir "$HEMS_STATE_DIR"
  data=$(data_dir)
  [[ -n $data ]] || return 0
  if [[ ! -d $(target "$data") ]] || path_within "$data" "$HEMS_STATE_DIR"; then
    own_dir "$data"
  else
    warn "$data already exists: make sure $SERVICE_USER can write to it"
  fi
}

# Refuses (exit 2) a state or data path that is a system directory or contains one; used on
# settings that come from an existing .env, which may predate these checks or be hand-edited.
check_dirs() {
  local problems=() p
  p=$(check_state_dir "$HEMS_STATE_DIR")
  [[ -z $p ]] || problems+=("HEMS_STATE_DIR: $p")
  if [[ -n $(data_dir) ]]; then
    p=$(check_data_file "$HEMS_FILE")
    [[ -z $p ]] || problems+=("HEMS_FILE: $p")
  fi
  if ((${#problems[@]} > 0)); then
    printf 'error: %s\n' "${problems[@]}" >&2
    die "fix $INSTALL_DIR/.env or run: sudo $0 update --reconfigure" 2
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
  APP_DEPLOYED=0
  # The questions come from the app: the checkout's when it is built, else the one built now.
  if ! find_question_app checkout; then
    deploy_app "$PROJECT_DIR"
    APP_DEPLOYED=1
    find_question_app
  fi
  load_existing_answers "$(target "$INSTALL_DIR/.env")"
  collect_answers
  # The app has the last word on the answers, before .env is written or anything is started.
  check_answers_before_deploy
  ensure_user
  ((APP_DEPLOYED)) || deploy_app "$PROJECT_DIR"
  check_answers_after_deploy
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
