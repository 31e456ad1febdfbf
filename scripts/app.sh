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
