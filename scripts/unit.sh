#!/usr/bin/env bash
# Renders the systemd unit from scripts/hems-data-collector.service.in. Sourced, never run.
#
# Unit-file escaping (systemd.unit(5), systemd.service(5)):
# - every setting expands %-specifiers, so a literal % is written %%;
# - settings that take a list of words (ExecStart=, ReadWritePaths=, DeviceAllow=) are split
#   on whitespace and unquote "..." with backslash escapes, so such values are double-quoted
#   with \ and " escaped;
# - ExecStart= also expands $VAR in its arguments, so a literal $ is written $$ there; the
#   executable path itself is not expanded in every systemd version, so a $ there is refused;
# - WorkingDirectory= and EnvironmentFile= take the rest of the line verbatim (quotes would be
#   kept as part of the path), so only % is escaped there;
# - a line ending in a backslash continues on the next line, and a line break ends the value,
#   so values with control characters or a trailing backslash are refused.

unit_value_ok() {
  [[ $1 != *[[:cntrl:]]* && $1 != *\\ ]]
}

unit_raw() {
  unit_value_ok "$1" || die "cannot put this value in a unit file: $1"
  printf '%s' "${1//'%'/'%%'}"
}

unit_word() {
  local v=$1
  unit_value_ok "$v" || die "cannot put this value in a unit file: $v"
  v=${v//'%'/'%%'}
  v=${v//"\\"/"\\\\"}
  v=${v//'"'/'\"'}
  printf '"%s"' "$v"
}

unit_exec_word() {
  local v
  v=$(unit_word "$1")
  printf '%s' "${v//'$'/'$$'}"
}

# Dependencies on the dongle's device unit. Wants= + After= (not BindsTo=): the service waits
# for the dongle at boot, but an unplugged or renamed dongle does not stop it; the app reopens
# the port itself and Restart=on-failure covers the rest. BindsTo= would stop the service on
# every USB glitch and only start it again if the device unit also pulled it in.
device_dependencies() {
  local port=$1 unit
  [[ $port == /dev/* ]] || return 0
  command -v systemd-escape >/dev/null || die "systemd-escape is missing (package systemd)"
  unit=$(systemd-escape --path --suffix=device -- "$port")
  printf 'After=%s\nWants=%s\n' "$(unit_raw "$unit")" "$(unit_raw "$unit")"
}

# DeviceAllow= lines: the configured port (resolved through symlinks when the service starts)
# plus the USB serial classes, so a dongle that comes back as ttyUSB1 or ttyACM0 still works.
device_allow() {
  local port=$1
  if [[ $port != /dev/* ]]; then
    printf '# No serial device: the port is %s.\n' "$(unit_raw "$port")"
    return 0
  fi
  printf 'DeviceAllow=%s rw\nDeviceAllow=char-ttyUSB rw\nDeviceAllow=char-ttyACM rw\n' "$(unit_word "$port")"
}

# render_unit TEMPLATE NODE_BIN SERIAL_PORT STATE_DIR [DATA_DIR]  -> unit text on stdout
render_unit() {
  local template=$1 node=$2 port=$3 state_dir=$4 data_dir=${5:-} text rw v
  # Checked here, in this shell: a die inside $(...) below would only end the subshell.
  for v in "$node" "$port" "$state_dir" "$data_dir" "$INSTALL_DIR"; do
    unit_value_ok "$v" || die "cannot put this value in a unit file: $v" 2
  done
  [[ $node != *'$'* ]] || die "the Node.js path must not contain \$: $node" 2
  text=$(<"$template")
  rw=$(unit_word "$state_dir")
  if [[ -n $data_dir ]] && ! path_within "$data_dir" "$state_dir"; then
    rw+=" $(unit_word "$data_dir")"
  fi
  local deps allow
  deps=$(device_dependencies "$port")
  allow=$(device_allow "$port")
  # Quoted replacements: bash 5.2's patsub_replacement would otherwise treat & specially.
  text=${text//'@DEVICE_DEPENDENCIES@'/"$deps"}
  text=${text//'@DEVICE_ALLOW@'/"$allow"}
  text=${text//'@USER@'/"$SERVICE_USER"}
  text=${text//'@GROUP@'/"$SERVICE_GROUP"}
  text=${text//'@SERIAL_GROUP@'/"$SERIAL_GROUP"}
  text=${text//'@WORKING_DIRECTORY@'/"$(unit_raw "$INSTALL_DIR")"}
  text=${text//'@ENVIRONMENT_FILE@'/"$(unit_raw "$INSTALL_DIR/.env")"}
  text=${text//'@EXEC_START@'/"$(unit_word "$node") $(unit_exec_word "$INSTALL_DIR/dist/cli/main.js")"}
  text=${text//'@READ_WRITE_PATHS@'/"$rw"}
  printf '%s\n' "$text"
}
