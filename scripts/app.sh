#!/usr/bin/env bash
# Copies the app into the install directory and builds it there. Sourced, never run.

APP_REQUIRED=(package.json package-lock.json src)
APP_OPTIONAL=(tsconfig.json tsconfig.build.json README.md README_JP.md LICENSE)

# deploy_app SOURCE_DIR: copies the sources (replacing old src/ and dist/), then, unless
# SKIP_BUILD=1, installs the locked dependencies, builds, and drops the dev dependencies.
deploy_app() {
  local src=$1 dest f
  dest=$(target "$INSTALL_DIR")
  for f in "${APP_REQUIRED[@]}"; do
    [[ -e $src/$f ]] || die "$src/$f is missing: run this script from a complete checkout"
  done
  say "Installing the app into $INSTALL_DIR"
  install -d -m 0755 "$dest"
  rm -rf -- "$dest/src" "$dest/dist"
  for f in "${APP_REQUIRED[@]}" "${APP_OPTIONAL[@]}"; do
    [[ -e $src/$f ]] || continue
    cp -R -- "$src/$f" "$dest/"
    # Owned by root and read-only for the service user.
    chmod -R u=rwX,go=rX -- "$dest/$f"
  done
  if [[ ${SKIP_BUILD:-0} == 1 ]]; then
    say "skipped (--skip-build): npm ci, npm run build, npm prune --omit=dev"
    return 0
  fi
  command -v npm >/dev/null || die "npm was not found (it comes with Node.js)"
  (
    cd "$dest" || exit 1
    npm ci --no-audit --no-fund &&
      npm run build &&
      npm prune --omit=dev --no-audit --no-fund
  ) || die "building the app in $INSTALL_DIR failed (see the npm output above)"
  [[ -f $dest/dist/cli/main.js ]] || warn "$INSTALL_DIR/dist/cli/main.js was not built"
}

# built_app DIR: prints the entry point of the app in DIR when it is built with its dependencies.
built_app() {
  [[ -f $1/dist/cli/main.js && -d $1/node_modules ]] || return 1
  printf '%s' "$1/dist/cli/main.js"
}

# find_question_app [checkout]: loads the outputs and settings (load_app_fields) from the
# checkout's built app, else (unless told `checkout`) from the installed one. Fails when neither
# is built; `install` then builds first.
find_question_app() {
  local app
  if app=$(built_app "$PROJECT_DIR"); then
    load_app_fields "$app"
  elif [[ ${1:-} != checkout ]] && app=$(built_app "$(target "$INSTALL_DIR")"); then
    load_app_fields "$app"
  elif [[ ${1:-} == checkout ]]; then
    return 1
  else
    die "the app is not built, so its settings cannot be read: run 'npm ci && npm run build' in $PROJECT_DIR (or install without --skip-build)"
  fi
}

# check_with_app APP ENV_FILE WHAT_NOW: runs the app's own `check-config` on a .env file, with
# an empty environment like the service's, so the installer accepts exactly what the service
# will. A refusal prints the app's problems (one per line; the app never echoes a secret), then
# WHAT_NOW, and exits 2.
check_with_app() {
  local app=$1 file=$2 what_now=$3 out code=0
  out=$(cd / && env -i PATH="$PATH" "$NODE" "$app" check-config --dotenv "$file" 2>&1) || code=$?
  case $code in
  0) return 0 ;;
  2)
    printf '%s\n' "$out" >&2
    die "hems-data-collector refuses these settings (see above); $what_now" 2
    ;;
  *) die "could not check the settings with $app (exit status $code): ${out:-no output}" ;;
  esac
}

# check_answers_with_app APP WHAT_NOW: check_with_app on the answers, as .env would hold them.
check_answers_with_app() {
  ANSWERS_TMP=$(mktemp -d) || die "cannot create a temporary directory"
  # The answers hold the password: the file lives only as long as the check, whatever happens.
  trap 'rm -rf -- "$ANSWERS_TMP"' EXIT
  answer_pairs
  env_write "$ANSWERS_TMP/answers.env" "${ENV_PAIRS[@]}"
  check_with_app "$1" "$ANSWERS_TMP/answers.env" "$2"
  rm -rf -- "$ANSWERS_TMP"
  trap - EXIT
  say "The settings were checked by the app: OK"
}

# Checks the answers with the checkout's app, if it is built, before anything changes; then,
# after deploy_app, with the app just built (the one the service will run) as well.
# Sets ANSWERS_CHECKED=1 once a check passed.
check_answers_before_deploy() {
  local app
  ANSWERS_CHECKED=0
  if app=$(built_app "$PROJECT_DIR"); then
    check_answers_with_app "$app" "nothing was changed"
    ANSWERS_CHECKED=1
  fi
}
check_answers_after_deploy() {
  local app
  if app=$(built_app "$(target "$INSTALL_DIR")") && [[ $app != "$PROJECT_DIR"/* ]]; then
    check_answers_with_app "$app" "the app is installed in $INSTALL_DIR, nothing else was changed"
    ANSWERS_CHECKED=1
  fi
  if ((!ANSWERS_CHECKED)); then warn "the settings were not checked by the app: it is not built (--skip-build)"; fi
}

# Checks an existing .env with the installed app (else the checkout's); WHAT_NOW as above.
check_env_file() {
  local app
  if app=$(built_app "$(target "$INSTALL_DIR")") || app=$(built_app "$PROJECT_DIR"); then
    check_with_app "$app" "$1" "$2"
  else
    warn "the settings in $INSTALL_DIR/.env were not checked by the app: it is not built (--skip-build)"
  fi
}
