#!/bin/sh
# AfterInstall: the files are in place; check them before starting anything.
set -eu
. "$(dirname "$0")/common.sh"

for file in "$APP_DIR/server.js" "$APP_DIR/package.json" "$APP_DIR/VERSION" "$CONFIG_FILE"; do
  [ -f "$file" ] || fail "$file is missing after the install"
done
command -v node >/dev/null 2>&1 || fail "node is not on PATH ($PATH): install Node.js 20 or later on the host"
# A config the app cannot parse would only show up as a failed health check: say so now.
node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$CONFIG_FILE" ||
  fail "$CONFIG_FILE is not valid JSON"

version=$(cat "$APP_DIR/VERSION")
printf 'version=%s deployment=%s at=%s\n' "$version" "${DEPLOYMENT_ID:-}" "$(date '+%Y-%m-%dT%H:%M:%S')" \
  >"$APP_DIR/installed_at"
log "version $version installed in $APP_DIR, config $CONFIG_FILE"
