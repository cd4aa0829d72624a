#!/bin/sh
# ApplicationStop: stop the running app. CodeDeploy runs this script from the LAST SUCCESSFUL revision
# (not the one being deployed), and not at all on a host's first deployment.
set -eu
. "$(dirname "$0")/common.sh"

pid=$(app_pid)
if [ -z "$pid" ]; then
  log "not running (no pid in $PID_FILE)"
  rm -f "$PID_FILE"
  exit 0
fi
if ! alive "$pid"; then
  log "not running (process $pid is gone)"
  rm -f "$PID_FILE"
  exit 0
fi
if ! is_webapp "$pid"; then
  log "process $pid is not the webapp (stale pid file), leaving it alone"
  rm -f "$PID_FILE"
  exit 0
fi

log "stopping process $pid with SIGTERM"
kill -TERM "$pid" 2>/dev/null || true
if wait_gone "$pid" 10; then
  log "process $pid stopped"
else
  log "process $pid still running after 10 s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 5 || fail "process $pid survived SIGKILL"
fi
rm -f "$PID_FILE"
