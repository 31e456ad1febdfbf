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

# The built app that can check settings: the checkout's when it is built, else the installed one.
checker_app() {
  local dir
  for dir in "$PROJECT_DIR" "$(target "$INSTALL_DIR")"; do
    if [[ -f $dir/dist/cli/main.js && -d $dir/node_modules ]]; then
      printf '%s' "$dir/dist/cli/main.js"
      return 0
    fi
  done
  return 1
}

# check_with_app ENV_FILE [WHAT_NOW]: runs the app's own `check-config` on a .env file, with an
# empty environment like the service's, so the installer accepts exactly what the service will.
# Returns 0 when accepted, 1 when no built app is there to ask; a refusal prints the app's
# problems (one per line; the app never echoes a secret), then WHAT_NOW, and exits 2.
check_with_app() {
  local file=$1 what_now=${2:-nothing was changed} app out code=0
  app=$(checker_app) || return 1
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

# Checks the answers (as they would be written to .env) with check_with_app.
# Returns 0 when checked, 1 when no built app is available yet.
check_answers_with_app() {
  checker_app >/dev/null || return 1
  ANSWERS_TMP=$(mktemp -d) || die "cannot create a temporary directory"
  # The answers hold the password: the file lives only as long as the check, whatever happens.
  trap 'rm -rf -- "$ANSWERS_TMP"' EXIT
  answer_pairs
  env_write "$ANSWERS_TMP/answers.env" "${ENV_PAIRS[@]}"
  check_with_app "$ANSWERS_TMP/answers.env"
  rm -rf -- "$ANSWERS_TMP"
  trap - EXIT
  say "The settings were checked by the app: OK"
}
