#!/usr/bin/env bash
# Settings for the service: validation, interactive prompts and non-interactive collection.
# Every answer lives in a shell variable named like its .env key (SERIAL_PORT, B_ROUTE_ID, ...),
# so the environment, command-line flags and an existing .env all feed the same names.
# Sourced, never run.
# shellcheck disable=SC2034 # answers are read by the sourcing script

# The keys asked below by name; every other key comes from the app (load_app_fields).
ASKED_KEYS=(SERIAL_PORT SERIAL_RATE B_ROUTE_ID B_ROUTE_PASSWORD HEMS_OUTPUT FILE_FORMAT HEMS_FILE
  LOCAL_TIMEZONE HEMS_MODE HEMS_SCHEDULE HEMS_INTERVAL HEMS_STATE_DIR)

# --- what the app knows ---------------------------------------------------------------------
# Filled from `hems-data-collector config-fields --format shell`, so that an output added to the
# app (one module and one registry line) is offered, asked about and kept here with no edit.
OUTPUT_CHOICES=''
OUTPUT_LINES=()     # "name: what it does", shown before the outputs question
APP_KEYS=()         # every .env key the app reads
OUTPUT_QUESTIONS=() # OUTPUT<TAB>KEY<TAB>PROMPT<TAB>DEFAULT (- for none)<TAB>secret|plain, in order
PASSTHROUGH_KEYS=() # optional keys written to .env when set (environment or old .env)

# load_app_fields APP: reads the outputs and settings of the built app APP.
load_app_fields() {
  local out kind key output secret _required prompt default
  out=$(cd / && "$NODE" "$1" config-fields --format shell) ||
    die "could not read the settings this version knows from $1 (config-fields)"
  QUESTION_APP=$1
  OUTPUT_CHOICES=''
  OUTPUT_LINES=()
  APP_KEYS=()
  OUTPUT_QUESTIONS=()
  PASSTHROUGH_KEYS=()
  while IFS=$'\t' read -r kind key output secret _required prompt default; do
    case $kind in
    output)
      OUTPUT_CHOICES+="${OUTPUT_CHOICES:+ }$key"
      OUTPUT_LINES+=("  $key: $secret")
      ;;
    field)
      APP_KEYS+=("$key")
      if [[ $prompt != - && $output != - ]]; then
        OUTPUT_QUESTIONS+=("$output"$'\t'"$key"$'\t'"$prompt"$'\t'"$default"$'\t'"$secret")
      elif [[ " ${ASKED_KEYS[*]} " != *" $key "* ]]; then
        PASSTHROUGH_KEYS+=("$key")
      fi
      ;;
    esac
  done <<<"$out"
  [[ -n $OUTPUT_CHOICES ]] || die "$1 config-fields listed no outputs"
  apply_set_pairs
}

# The --set KEY=VALUE answers, for keys the app reads only (never PATH, IFS or the like).
apply_set_pairs() {
  local pair key
  for pair in "${SET_PAIRS[@]}"; do
    key=${pair%%=*}
    [[ " ${APP_KEYS[*]} " == *" $key "* ]] || die "--set: unknown setting $key (hems-data-collector config-fields lists them)" 2
    printf -v "$key" '%s' "${pair#*=}"
  done
}

# app_check VALUE: the app's own parser on the setting CHECK_KEY (value on stdin, never in ps).
app_check() {
  local out code=0
  out=$(printf '%s' "$1" | (cd / && "$NODE" "$QUESTION_APP" config-fields --check "$CHECK_KEY") 2>&1) || code=$?
  case $code in
  0) ;;
  2) echo "$out" ;;
  *) echo "could not be checked by the app (exit status $code)" ;;
  esac
}

# --- validators: print nothing and succeed, or print one problem and fail -------------------
# They catch typos at the prompt, with the app's own limits; the app itself has the last word
# (check_with_app), so the installer accepts exactly what the service will.

check_serial_port() {
  case $1 in
  sim) ;;
  tcp://?*:[0-9]*) [[ $1 =~ ^tcp://[^/[:space:]]+:[0-9]+$ ]] || echo "must look like tcp://host:port" ;;
  /dev/?*) ;;
  '') echo "is required" ;;
  *) echo "must be a device path under /dev, tcp://host:port or sim (got: $1)" ;;
  esac
}
check_serial_rate() {
  [[ $1 =~ ^[1-9][0-9]{0,6}$ ]] && (($1 <= 4000000)) ||
    echo "must be a number from 1 to 4000000 such as 115200 (got: $1)"
}
check_b_route_id() {
  [[ $1 =~ ^[0-9A-Za-z]{32}$ ]] || echo "must be exactly 32 letters or digits (got ${#1} characters)"
}
check_b_route_password() {
  if [[ -z $1 ]]; then
    echo "is required"
  elif ((${#1} > 32)) || [[ $1 =~ [[:space:]] ]]; then
    echo "must be 1 to 32 characters without spaces"
  fi
}
check_timezone() {
  [[ -n $1 ]] || {
    echo "is required"
    return
  }
  # The system's zoneinfo is quick to consult; Node's own ICU data is the fallback.
  if [[ $1 != *..* && $1 != /* && -f /usr/share/zoneinfo/$1 ]]; then return; fi
  if "$NODE" -e 'new Intl.DateTimeFormat("en", { timeZone: process.argv[1] })' "$1" 2>/dev/null; then return; fi
  echo "is not a known time zone (e.g. Asia/Tokyo, UTC): $1"
}
check_outputs() {
  local o
  [[ -n ${1//[[:space:],]/} ]] || {
    echo "needs at least one of: $OUTPUT_CHOICES"
    return
  }
  for o in ${1//,/ }; do
    [[ " $OUTPUT_CHOICES " == *" $o "* ]] || {
      echo "unknown output '$o' (choose from: $OUTPUT_CHOICES)"
      return
    }
  done
}
check_file_format() { [[ $1 =~ ^(csv|json|yaml)$ ]] || echo "must be csv, json or yaml (got: $1)"; }
# A path the hardened service can write: absolute, and not hidden by ProtectHome=/PrivateTmp=.
check_service_path() {
  case $1 in
  /home/* | /root/* | /run/user/*) echo "is hidden from the service by ProtectHome=yes: $1" ;;
  /tmp/* | /var/tmp/*) echo "would be private to the service (PrivateTmp=yes): $1" ;;
  /proc/* | /sys/* | /dev/* | /usr/* | /boot/* | /etc/* | /bin/* | /sbin/* | /lib*/*) echo "is not a place for data: $1" ;;
  /*) ;;
  *) echo "must be an absolute path (got: $1)" ;;
  esac
}
# The state directory: a service path that is neither a system directory nor a parent of one.
check_state_dir() {
  local problem
  problem=$(check_service_path "$1")
  [[ -n $problem ]] || problem=$(system_dir_problem "$1")
  [[ -z $problem ]] || echo "$problem"
}
# The output file: a service path whose directory the installer may create and own.
check_data_file() {
  local problem
  problem=$(check_service_path "$1")
  if [[ -z $problem && $1 == */ ]]; then problem="must be a file, not a directory: $1"; fi
  if [[ -z $problem ]]; then
    problem=$(system_dir_problem "$(dirname -- "$1")")
    [[ -z $problem ]] || problem="its directory $problem"
  fi
  [[ -z $problem ]] || echo "$problem"
}
check_schedule() {
  # A 5- or 6-field cron expression, or a plain number of seconds (interval mode).
  # The app validates cron syntax fully (croner) at start; this catches typos early.
  if [[ $1 =~ ^[0-9]+$ ]]; then
    (($1 >= 1)) || echo "an interval must be at least 1 second"
    return
  fi
  local -a fields
  read -r -a fields <<<"$1"
  if ((${#fields[@]} < 5 || ${#fields[@]} > 6)) || [[ $1 =~ [^0-9A-Za-z*/,?#[:space:]-] ]]; then
    echo "must be a cron expression like '*/5 * * * *' or a number of seconds (got: $1)"
  fi
}

# --- collection -----------------------------------------------------------------------------

PROBLEMS=()

# ask VAR PROMPT DEFAULT CHECK [secret]
# Interactive: prompts until CHECK accepts (empty input takes DEFAULT). Non-interactive: takes
# $VAR (or DEFAULT) and records a problem line when CHECK rejects it.
ask() {
  local var=$1 prompt=$2 default=$3 check=$4 secret=${5:-} value problem shown
  value=${!var:-$default}
  if ! interactive; then
    if ! env_value_ok "$value"; then
      problem="contains a line break"
    else
      problem=$($check "$value")
    fi
    [[ -z $problem ]] || PROBLEMS+=("$var: $problem")
    printf -v "$var" '%s' "$value"
    return
  fi
  shown=$value
  [[ -n $secret && -n $value ]] && shown='keep current'
  while true; do
    local reply=
    if [[ -n $secret ]]; then
      IFS= read -r -s -p "$prompt${shown:+ [$shown]}: " reply || die "no answer for $var (end of input)" 2
      printf '\n' >&2
    else
      IFS= read -r -p "$prompt${shown:+ [$shown]}: " reply || die "no answer for $var (end of input)" 2
    fi
    [[ -n $reply ]] || reply=$value
    problem=$($check "$reply")
    if [[ -z $problem ]]; then
      printf -v "$var" '%s' "$reply"
      return
    fi
    printf '  %s %s\n' "$prompt" "$problem" >&2
  done
}

has_output() { [[ " ${HEMS_OUTPUT//,/ } " == *" $1 "* ]]; }

# The app's questions for the outputs chosen (file output is asked above: its paths are the
# installer's business too), each answer checked by the app's own parser.
ask_output_questions() {
  local q output key prompt default secret
  for q in "${OUTPUT_QUESTIONS[@]}"; do
    IFS=$'\t' read -r output key prompt default secret <<<"$q"
    if [[ $output == file ]] || ! has_output "$output"; then continue; fi
    [[ $default != - ]] || default=''
    CHECK_KEY=$key
    if [[ $secret == secret ]]; then
      ask "$key" "$prompt" "$default" app_check secret
    else
      ask "$key" "$prompt" "$default" app_check
    fi
  done
}

# The keys of the app's questions for the outputs chosen.
asked_output_keys() {
  local q output key _rest
  for q in "${OUTPUT_QUESTIONS[@]}"; do
    IFS=$'\t' read -r output key _rest <<<"$q"
    [[ $output != file ]] && has_output "$output" && printf '%s\n' "$key"
  done
  return 0
}

# Fills every answer variable; non-interactive problems are printed one per line, exit 2.
collect_answers() {
  PROBLEMS=()
  interactive && say "Settings (press Enter to keep the value in brackets):"
  ask SERIAL_PORT "Wi-SUN dongle serial port" /dev/ttyUSB0 check_serial_port
  ask SERIAL_RATE "Serial baud rate" 115200 check_serial_rate
  ask B_ROUTE_ID "B-route authentication ID (32 characters)" '' check_b_route_id
  ask B_ROUTE_PASSWORD "B-route password (input hidden)" '' check_b_route_password secret
  if interactive; then
    say "Outputs (several allowed, separated by spaces):"
    printf '%s\n' "${OUTPUT_LINES[@]}"
  fi
  ask HEMS_OUTPUT "Output destination(s)" file check_outputs
  HEMS_OUTPUT=$(printf '%s' "${HEMS_OUTPUT//,/ }" | tr -s '[:space:]' ' ')
  HEMS_OUTPUT=${HEMS_OUTPUT# }
  HEMS_OUTPUT=${HEMS_OUTPUT% }
  if has_output file; then
    ask FILE_FORMAT "File format (csv/json/yaml)" csv check_file_format
    ask HEMS_FILE "Output file path" "${HEMS_STATE_DIR:-$DEFAULT_STATE_DIR}/data/hems_data.${FILE_FORMAT:-csv}" check_data_file
  fi
  ask_output_questions
  ask LOCAL_TIMEZONE "Time zone" Asia/Tokyo check_timezone
  local schedule_default='*/5 * * * *'
  [[ ${HEMS_MODE:-} == interval ]] && schedule_default=${HEMS_INTERVAL:-300}
  HEMS_SCHEDULE_ANSWER=${HEMS_SCHEDULE_ANSWER:-${HEMS_SCHEDULE:-}}
  [[ ${HEMS_MODE:-} == interval ]] && HEMS_SCHEDULE_ANSWER=${HEMS_INTERVAL:-300}
  ask HEMS_SCHEDULE_ANSWER "Schedule (cron expression, or seconds between readings)" "$schedule_default" check_schedule
  if [[ $HEMS_SCHEDULE_ANSWER =~ ^[0-9]+$ ]]; then
    HEMS_MODE=interval HEMS_INTERVAL=$HEMS_SCHEDULE_ANSWER HEMS_SCHEDULE=
  else
    HEMS_MODE=schedule HEMS_SCHEDULE=$HEMS_SCHEDULE_ANSWER HEMS_INTERVAL=
  fi
  HEMS_STATE_DIR=${HEMS_STATE_DIR:-$DEFAULT_STATE_DIR}
  local problem
  problem=$(check_state_dir "$HEMS_STATE_DIR")
  [[ -z $problem ]] || PROBLEMS+=("HEMS_STATE_DIR: $problem")
  local k
  for k in "${PASSTHROUGH_KEYS[@]}"; do
    env_value_ok "${!k:-}" || PROBLEMS+=("$k: contains a line break")
  done
  if ((${#PROBLEMS[@]} > 0)); then
    printf 'error: %s\n' "${PROBLEMS[@]}" >&2
    exit 2
  fi
}

# The .env contents as KEY VALUE pairs, in a stable order, only the keys that apply.
answer_pairs() {
  ENV_PAIRS=(SERIAL_PORT "$SERIAL_PORT" SERIAL_RATE "$SERIAL_RATE" B_ROUTE_ID "$B_ROUTE_ID"
    B_ROUTE_PASSWORD "$B_ROUTE_PASSWORD" LOCAL_TIMEZONE "$LOCAL_TIMEZONE" HEMS_OUTPUT "$HEMS_OUTPUT")
  if has_output file; then ENV_PAIRS+=(FILE_FORMAT "$FILE_FORMAT" HEMS_FILE "$HEMS_FILE"); fi
  local k
  while IFS= read -r k; do
    [[ -n $k ]] && ENV_PAIRS+=("$k" "${!k}")
  done < <(asked_output_keys)
  ENV_PAIRS+=(HEMS_MODE "$HEMS_MODE")
  if [[ $HEMS_MODE == interval ]]; then
    ENV_PAIRS+=(HEMS_INTERVAL "$HEMS_INTERVAL")
  else
    ENV_PAIRS+=(HEMS_SCHEDULE "$HEMS_SCHEDULE")
  fi
  ENV_PAIRS+=(HEMS_STATE_DIR "$HEMS_STATE_DIR")
  for k in "${PASSTHROUGH_KEYS[@]}"; do
    [[ -z ${!k:-} ]] || ENV_PAIRS+=("$k" "${!k}")
  done
}

# Loads an existing .env as defaults for every key the environment/flags did not set.
load_existing_answers() {
  local file=$1 k
  [[ -f $file ]] || return 0
  local -A old=()
  env_read "$file" old
  for k in "${!old[@]}"; do
    # Only keys the app reads (all of them once load_app_fields ran): never PATH or IFS.
    [[ " ${ASKED_KEYS[*]} ${APP_KEYS[*]} " == *" $k "* ]] || continue
    [[ -n ${!k+set} ]] || printf -v "$k" '%s' "${old[$k]}"
  done
}
