#!/usr/bin/env bash
# The service's .env file: quoting, writing and reading back. Sourced, never run.
#
# Values are written as KEY="value" with \ " $ and ` backslash-escaped. That is the one
# quoting that bash, systemd's EnvironmentFile= parser and the app's .env parser all read
# the same way (inside double quotes a backslash escapes exactly those four characters).
# Newlines cannot be represented safely, so they are rejected before anything is written.

# Prints VALUE as a double-quoted .env value.
env_quote() {
  local v=$1
  # Quoted replacements: bash 5.2's patsub_replacement would otherwise treat & specially.
  v=${v//"\\"/"\\\\"}
  v=${v//'"'/'\"'}
  v=${v//'$'/'\$'}
  v=${v//'`'/'\`'}
  printf '"%s"' "$v"
}

# Succeeds when VALUE can be stored (no newline or carriage return).
env_value_ok() {
  [[ $1 != *$'\n'* && $1 != *$'\r'* ]]
}

# Writes KEY=VALUE pairs (arguments: FILE KEY VALUE [KEY VALUE]...) atomically with mode 600.
env_write() {
  local file=$1 tmp i
  shift
  for ((i = 2; i <= $#; i += 2)); do
    env_value_ok "${!i}" || die "${*:i-1:1} contains a line break, which a .env file cannot hold safely" 2
  done
  tmp=$(umask 077 && mktemp "${file}.XXXXXX") || die "cannot create a temporary file next to $file"
  {
    printf '# hems-data-collector service settings, written by service-manager.sh.\n'
    printf '# Edit by hand if you like (then: systemctl restart %s); paths and the serial\n' "$SERVICE_NAME"
    printf '# port are also in the unit file, so after changing them run: service-manager.sh update\n'
    while (($# >= 2)); do
      printf '%s=%s\n' "$1" "$(env_quote "$2")"
      shift 2
    done
  } >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$file"
}

# Reads FILE into the associative array named by $2 (KEY -> value). Accepts what env_write
# writes plus KEY='literal', unquoted values, comments and an `export ` prefix. Never evaluates
# anything: the file may have been edited by hand and this runs as root.
env_read() {
  local file=$1 line key rest value i c
  local -n out=$2
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line#"${line%%[![:space:]]*}"}
    [[ -z $line || $line == \#* ]] && continue
    [[ $line == export[[:space:]]* ]] && line=${line#export} && line=${line#"${line%%[![:space:]]*}"}
    [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=(.*)$ ]] || continue
    key=${BASH_REMATCH[1]}
    rest=${BASH_REMATCH[2]}
    rest=${rest#"${rest%%[![:space:]]*}"}
    value=
    case $rest in
    \"*)
      for ((i = 1; i < ${#rest}; i++)); do
        c=${rest:i:1}
        if [[ $c == "\\" ]]; then
          c=${rest:i+1:1}
          if [[ $c == [\"\\\$\`] ]]; then
            value+=$c
          else
            value+="\\$c"
          fi
          ((i++))
        elif [[ $c == '"' ]]; then
          break
        else
          value+=$c
        fi
      done
      ;;
    \'*)
      value=${rest:1}
      value=${value%%\'*}
      ;;
    *)
      value=${rest%%[[:space:]]#*}
      value=${value%"${value##*[![:space:]]}"}
      ;;
    esac
    # shellcheck disable=SC2034 # out is a nameref: this fills the caller's array
    out["$key"]=$value
  done <"$file"
}
