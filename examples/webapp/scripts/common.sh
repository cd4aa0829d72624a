# Shared by the webapp hook scripts (sourced, not a hook itself). POSIX sh.
#
# Every absolute path starts with ${STEPDEPLOY_HOST_ROOT:-}: empty on a real instance, the host's root
# directory on a stepdeploy local host. The deployment also provides PORT (the port the app serves on)
# and CodeDeploy's LIFECYCLE_EVENT, DEPLOYMENT_ID, APPLICATION_NAME, DEPLOYMENT_GROUP_NAME and
# DEPLOYMENT_GROUP_ID. Hooks run from no particular directory, so nothing here is relative.

APP_DIR="${STEPDEPLOY_HOST_ROOT:-}/opt/webapp"
CONFIG_FILE="${STEPDEPLOY_HOST_ROOT:-}/etc/webapp/webapp.json"
LOG_DIR="${STEPDEPLOY_HOST_ROOT:-}/var/log/webapp"
RUN_DIR="${STEPDEPLOY_HOST_ROOT:-}/var/run"
PID_FILE="$RUN_DIR/webapp.pid"
APP_LOG="$LOG_DIR/app.log"
PORT="${PORT:-8080}"
EVENT="${LIFECYCLE_EVENT:-manual}"

# Prints a line (the deployment keeps it in scripts.log) and appends it to deploy.log when that exists.
log() {
  echo "[webapp $EVENT] $*"
  if [ -d "$LOG_DIR" ]; then
    printf '%s %s %s %s\n' "$(date '+%Y-%m-%dT%H:%M:%S')" "${DEPLOYMENT_ID:--}" "$EVENT" "$*" >>"$LOG_DIR/deploy.log"
  fi
}

fail() {
  log "FAILED: $*"
  exit 1
}

# True while process $1 runs. An exited process that nobody has reaped yet (a zombie: some container
# init processes never reap orphans) still answers kill -0, so it counts as gone.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  if [ -r "/proc/$1/stat" ]; then
    state=$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  else
    state=$(ps -o stat= -p "$1" 2>/dev/null) || state=
  fi
  case $state in
    Z*) return 1 ;;
  esac
  return 0
}

# The pid in the pid file, or nothing when there is no usable pid file.
app_pid() {
  [ -f "$PID_FILE" ] || return 0
  pid=$(cat "$PID_FILE" 2>/dev/null) || pid=
  case $pid in
    '' | *[!0-9]*) ;;
    *) echo "$pid" ;;
  esac
}

# True unless process $1 is clearly something else (a pid file left over from before a reboot).
is_webapp() {
  if [ -r "/proc/$1/cmdline" ]; then
    command_line=$(tr '\000' ' ' <"/proc/$1/cmdline" 2>/dev/null) || command_line=
  else
    command_line=$(ps -o args= -p "$1" 2>/dev/null) || command_line=
  fi
  case $command_line in
    '' | *server.js*) return 0 ;;
  esac
  return 1
}

# Waits up to $2 seconds for process $1 to be gone. Fractional sleeps are not POSIX, hence the fallback.
wait_gone() {
  ticks=$(($2 * 10))
  while alive "$1"; do
    [ "$ticks" -gt 0 ] || return 1
    if sleep 0.1 2>/dev/null; then ticks=$((ticks - 1)); else
      sleep 1
      ticks=$((ticks - 10))
    fi
  done
  return 0
}

# The last lines of the app's own log, to show why it is not answering.
show_app_log() {
  if [ -f "$APP_LOG" ]; then
    echo "--- last lines of $APP_LOG ---"
    tail -n "${1:-10}" "$APP_LOG"
    echo "---"
  fi
}
