#!/usr/bin/env bash
# `status`: systemd's view of the service and the time of the newest stored reading.
# Sourced, never run.

# Prints the newest readings.ts_ms in the state database, read with the installed app's
# better-sqlite3. Tolerant: a missing app, database or table gives a one-line explanation.
last_reading() {
  local app=$1 db=$2 node
  node=$(command -v node || true)
  if [[ -z $node ]]; then
    say "Last reading: unknown (node not found)"
    return 0
  fi
  if [[ ! -e $db ]]; then
    say "Last reading: none yet (no database at ${db#"$STAGE_ROOT"})"
    return 0
  fi
  "$node" -e '
    const { createRequire } = require("node:module");
    const [app, db] = process.argv.slice(1);
    let Database;
    try {
      Database = createRequire(app + "/package.json")("better-sqlite3");
    } catch {
      console.log("Last reading: unknown (better-sqlite3 is not installed in " + app + ")");
      process.exit(0);
    }
    try {
      const conn = new Database(db, { readonly: true, fileMustExist: true });
      const row = conn.prepare("SELECT MAX(ts_ms) AS t FROM readings").get();
      conn.close();
      if (row?.t == null) {
        console.log("Last reading: none yet");
      } else {
        const ago = Math.round((Date.now() - Number(row.t)) / 60000);
        console.log("Last reading: " + new Date(Number(row.t)).toISOString() + " (" + ago + " min ago)");
      }
    } catch (e) {
      console.log("Last reading: unknown (" + (e && e.message ? e.message : e) + ")");
    }
  ' "$app" "$db" || say "Last reading: unknown (node failed)"
}

cmd_status() {
  local env_file
  env_file=$(target "$INSTALL_DIR/.env")
  if staging; then
    say "skipped (staging root): systemctl status $SERVICE_NAME"
  elif command -v systemctl >/dev/null; then
    # Exit status 3 only means "not running"; the text says it.
    systemctl status --no-pager --lines=5 "$SERVICE_NAME" || true
  fi
  forget_answers
  if [[ -r $env_file ]]; then
    load_existing_answers "$env_file"
    say "Settings: port ${SERIAL_PORT:-?}, outputs: ${HEMS_OUTPUT:-?}, schedule: ${HEMS_SCHEDULE:-${HEMS_INTERVAL:+every ${HEMS_INTERVAL}s}}"
  elif [[ -e $env_file ]]; then
    say "Settings: $INSTALL_DIR/.env is not readable (run with sudo)"
  else
    say "Settings: not installed ($INSTALL_DIR/.env not found)"
  fi
  HEMS_STATE_DIR=${HEMS_STATE_DIR:-$DEFAULT_STATE_DIR}
  last_reading "$(target "$INSTALL_DIR")" "$(target "$HEMS_STATE_DIR")/hems.db"
}
