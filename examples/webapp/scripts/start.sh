#!/bin/sh
# ApplicationStart: start the app in the background and record its pid.
set -eu
. "$(dirname "$0")/common.sh"

# ApplicationStop is a no-op on a host's first deployment: stop whatever an earlier attempt left running.
if [ -n "$(app_pid)" ]; then
  sh "$(dirname "$0")/stop.sh"
fi
command -v node >/dev/null 2>&1 || fail "node is not on PATH ($PATH): install Node.js 20 or later on the host"
mkdir -p "$LOG_DIR" "$RUN_DIR"

# The daemon must not keep the hook's stdout/stderr open, or the hook would wait for it until its
# timeout: its output goes to a log file and its stdin comes from /dev/null.
export PORT
cd "$APP_DIR"
logged=$(wc -c <"$APP_LOG" 2>/dev/null || echo 0)
nohup node "$APP_DIR/server.js" >>"$APP_LOG" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$PID_FILE"

# Catch a crash at start (a port in use, a syntax error): go on once the app says it listens, or after
# a second alive; ValidateService checks the rest.
tenths=0
until tail -c +$((logged + 1)) "$APP_LOG" 2>/dev/null | grep -q 'listening on' || [ "$tenths" -ge 10 ]; do
  if ! alive "$pid"; then break; fi
  if sleep 0.1 2>/dev/null; then tenths=$((tenths + 1)); else
    sleep 1
    tenths=$((tenths + 10))
  fi
done
if ! alive "$pid"; then
  show_app_log 10
  rm -f "$PID_FILE"
  fail "the app exited at once (see $APP_LOG)"
fi
log "started version $(cat "$APP_DIR/VERSION") as process $pid on 127.0.0.1:$PORT, output in $APP_LOG"
