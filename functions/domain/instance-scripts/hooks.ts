/**
 * Hook events: the hooks file DownloadBundle writes for its revision, and the runner every scriptable
 * event uses (reference §2.2-§2.4). The runner picks the revision the event runs from, sources that
 * revision's hooks file and runs its scripts as the agent does: ScriptMissing, chmod +x, a new process
 * group, CodeDeploy's environment, runas/sudo, one deadline with SIGTERM to the group (then SIGKILL,
 * stricter than the agent), scripts.log.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ServerAppSpec } from '../appspec/model.js';
import { isScriptableServerEvent, type HookRevision } from '../lifecycle.js';
import { READER_AWK, TRIM_SH } from './awk.js';
import { accountName, normalizeInRevision } from './paths.js';
import { quoteProgram, sh, shellQuote } from './quote.js';
import type { BundleSpec, DeploymentInfo } from './types.js';

/** Bumped when the hooks file's contract with the runner changes; the runner refuses other formats. */
export const HOOKS_FILE_FORMAT = 1;
export const HOOKS_FILE_NAME = 'stepdeploy-hooks.sh';

/**
 * The hooks file of a revision: sh defining `sd_hooks_for <event>`, one `sd_hook` call per script
 * with every value quoted. Built from the current AppSpec at DownloadBundle; later events of this or
 * a later deployment (ApplicationStop runs from the last successful revision) source it.
 */
export function hooksFile(appSpec: ServerAppSpec): string[] {
  const branches: string[] = [];
  for (const [event, scripts] of Object.entries(appSpec.hooks)) {
    // The agent accepts any key; only the scriptable events ever run.
    if (!isScriptableServerEvent(event) || scripts.length === 0) continue;
    branches.push(`    ${shellQuote(event)})`);
    scripts.forEach((script, i) => {
      const what = `The ${event}[${String(i)}] script`;
      const path = normalizeInRevision(script.location, `${what} location`);
      if (path === '')
        throw new InvalidArgumentError(`${what} location names the revision root, not a script.`);
      if (!Number.isInteger(script.timeout) || script.timeout <= 0) {
        throw new InvalidArgumentError(`${what} timeout must be a positive whole number of seconds.`);
      }
      const runas =
        script.runas === undefined || script.runas === '' ? '' : accountName(script.runas, `${what} runas`);
      branches.push(
        `      sd_hook ${shellQuote(script.location, `${what} location`)} ${shellQuote(path)} ${String(script.timeout)} ${shellQuote(runas)} ${script.sudo ? '1' : '0'} || return 1`,
      );
    });
    branches.push('      ;;');
  }
  return [
    '# stepdeploy hooks file: generated at DownloadBundle from this revision, sourced by later events.',
    `STEPDEPLOY_HOOKS_FORMAT=${String(HOOKS_FILE_FORMAT)}`,
    'sd_hooks_for() {',
    ...(branches.length > 0 ? ['  case $1 in', ...branches, '  esac'] : []),
    '  return 0',
    '}',
  ];
}

/** CodeDeploy's variables for hook scripts (§2.3), exported in the script's subshell only. */
function exportEnvironment(event: string, deployment: DeploymentInfo, bundle: BundleSpec): string {
  const vars: Array<[string, string]> = [
    ['LIFECYCLE_EVENT', event],
    ['DEPLOYMENT_ID', deployment.deploymentId],
    ['APPLICATION_NAME', deployment.applicationName],
    ['DEPLOYMENT_GROUP_NAME', deployment.deploymentGroupName],
    ['DEPLOYMENT_GROUP_ID', deployment.deploymentGroupId],
  ];
  const s3 = bundle.s3;
  if (s3) {
    vars.push(['BUNDLE_BUCKET', s3.bucket], ['BUNDLE_KEY', s3.key]);
    if (s3.version !== undefined) vars.push(['BUNDLE_VERSION', s3.version]);
    if (s3.eTag !== undefined) vars.push(['BUNDLE_ETAG', s3.eTag]);
  }
  const set = new Set(vars.map(([name]) => name));
  const unset = ['BUNDLE_BUCKET', 'BUNDLE_KEY', 'BUNDLE_VERSION', 'BUNDLE_ETAG', 'BUNDLE_COMMIT'].filter(
    (name) => !set.has(name),
  );
  return [
    'sd_export_env() {',
    ...vars.map(([name, value]) => `  ${name}=${shellQuote(value, `The ${name} value`)}`),
    `  export ${vars.map(([name]) => name).join(' ')}`,
    `  unset ${unset.join(' ')}`,
    '}',
  ].join('\n');
}

const RUNNER = sh`
# A path as one sh word, for the command string su -c hands to the user's shell.
sd_q() {
  printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# Runs in the background as the reader of one output stream; exec, so that its pid is awk's. mawk
# reads a pipe in blocks unless told otherwise, which would hold lines back from scripts.log. It
# creates its end-of-stream file ($2) when the stream closes, which tells the watchdog it was closed.
sd_reader() {
  SD_TAG=$1
  SD_EOF=$2
  SD_LOGF=$SD_H$SD_DIR/logs/scripts.log
  SD_EVENTS=$sd_tmp/events
  SD_TRIM_SH=$sd_trim_sh
  LC_ALL=C
  export SD_TAG SD_EOF SD_LOGF SD_EVENTS SD_TZ SD_LOG_MAX SD_LOG_CHECK SD_TRIM_SH LC_ALL
  if [ "$sd_awk_interactive" = yes ]; then exec awk -W interactive "$sd_reader_awk"; fi
  exec awk "$sd_reader_awk"
}

sd_script_failed() {
  sd_err_code=$1
  sd_err_script=$2
  sd_err_msg=$3
}

# Called by the hooks file: location (as written), path in the revision, timeout, runas, sudo (0|1).
sd_hook() {
  if [ -z "$sd_event_logged" ]; then
    sd_log_line "LifecycleEvent - $SD_EVENT"
    sd_event_logged=1
  fi
  sd_view=$sd_hook_root/deployment-archive/$2
  sd_script=$SD_H$sd_view
  if [ ! -e "$sd_script" ]; then
    sd_script_failed 1 "$1" "Script does not exist at specified location: $sd_view"
    return 1
  fi
  if [ ! -x "$sd_script" ]; then
    chmod +x -- "$sd_script" 2>/dev/null || {
      sd_script_failed 2 "$1" "Unable to set script at specified location: $1 as executable"
      return 1
    }
  fi
  sd_log_line "Script - $1"
  sd_run_script "$sd_script" "$1" "$3" "$4" "$5"
}

# Runs one script: stdin from /dev/null, stdout and stderr through FIFOs into scripts.log, in a new
# process group (setsid, else job control), with a watchdog that at the deadline ends the whole group
# (SIGTERM, then SIGKILL after a grace) and reports code 3, or, when the script has exited but
# something still holds its output open, stops reading, ends the group and reports code 6. A group
# whose script exited with its outputs closed is left alone: it may be an app ApplicationStart started.
sd_run_script() {
  sd_n=$((sd_n + 1))
  sd_fo=$sd_tmp/stdout.$sd_n
  sd_fe=$sd_tmp/stderr.$sd_n
  sd_flag=$sd_tmp/flag.$sd_n
  if ! mkfifo -- "$sd_fo" "$sd_fe"; then
    sd_script_failed 5 '' "Unable to create the output pipes for the script $2"
    return 1
  fi
  sd_reader '[stdout]' "$sd_flag.eof1" <"$sd_fo" >/dev/null 2>&1 3>&- &
  sd_r1=$!
  sd_reader '[stderr]' "$sd_flag.eof2" <"$sd_fe" >/dev/null 2>&1 3>&- &
  sd_r2=$!
  sd_setsid=
  if sd_have setsid; then sd_setsid=1; else set -m 2>/dev/null; fi
  (
    sd_export_env
    unset STEPDEPLOY_PROCESS_GROUPS
    CDPATH= cd -- "$\{SD_H:-/}" 2>/dev/null || cd /
    if [ -n "$4" ] && [ "$5" = 1 ]; then
      set -- sudo su "$4" -c "$(sd_q "$1")"
    elif [ -n "$4" ]; then
      set -- su "$4" -c "$(sd_q "$1")"
    elif [ "$5" = 1 ]; then
      set -- sudo "$1"
    else
      set -- "$1"
    fi
    if [ -n "$sd_setsid" ]; then exec setsid "$@"; fi
    exec "$@"
  ) </dev/null >"$sd_fo" 2>"$sd_fe" 3>&- &
  sd_pid=$!
  if [ -z "$sd_setsid" ]; then set +m 2>/dev/null; fi
  sd_child_group=$sd_pid
  # Whoever runs this script may end the hook's group if the script itself cannot (local hosts keep
  # the list in their state directory, so that nothing of an unfinished event outlives the deployment).
  if [ -n "$\{STEPDEPLOY_PROCESS_GROUPS:-}" ]; then
    printf '%s\n' "$sd_pid" >>"$STEPDEPLOY_PROCESS_GROUPS" 2>/dev/null
  fi
  sd_main=$$
  # The watchdog is stopped with USR2, which this shell does not trap. A signal this shell traps (TERM)
  # can reach the new subshell while it still has this shell's handler, before its own trap is set:
  # dash then drops it, and under load that left the watchdog running to the deadline, which it took
  # for an output left open (code 6) although the script and both readers had long finished. USR2
  # arrives either to the default action (the subshell ends) or to the trap below.
  (
    sd_ws=
    trap 'if [ -n "$sd_ws" ]; then kill "$sd_ws" 2>/dev/null; fi; exit 0' TERM USR2
    sleep "$3" &
    sd_ws=$!
    wait "$sd_ws"
    sd_ws=
    if [ -e "$sd_flag.exited" ]; then
      if [ -e "$sd_flag.eof1" ] && [ -e "$sd_flag.eof2" ]; then exit 0; fi
      : >"$sd_flag.open"
      kill -TERM "$sd_r1" "$sd_r2" 2>/dev/null
      sd_end_group "$sd_pid"
    else
      : >"$sd_flag.timedout"
      kill -USR1 "$sd_main" 2>/dev/null
      sd_end_group "$sd_pid"
      # A moment for the readers to drain what the group wrote before it died; one held open by a
      # process that left the group (a new session) is stopped.
      sleep 1
      kill -TERM "$sd_r1" "$sd_r2" 2>/dev/null
    fi
  ) </dev/null >/dev/null 2>&1 3>&- &
  sd_wd=$!
  while :; do
    wait "$sd_pid"
    sd_rc=$?
    if [ -e "$sd_flag.timedout" ] || ! kill -0 "$sd_pid" 2>/dev/null; then break; fi
  done
  : >"$sd_flag.exited"
  wait "$sd_r1"
  sd_s1=$?
  wait "$sd_r2"
  sd_s2=$?
  # Past the deadline the watchdog is ending the group: wait for it, so that nothing of it remains
  # when the event reports. Otherwise the outputs closed in time and it is stopped.
  if [ -e "$sd_flag.timedout" ] || [ -e "$sd_flag.open" ]; then
    wait "$sd_wd" 2>/dev/null
  else
    kill -USR2 "$sd_wd" 2>/dev/null
    wait "$sd_wd" 2>/dev/null
  fi
  sd_child_group=
  rm -f -- "$sd_fo" "$sd_fe"
  if [ -e "$sd_flag.timedout" ]; then
    sd_script_failed 3 "$2" "Script at specified location: $2 failed to complete in $3 seconds"
    return 1
  fi
  # Code 6 only when the watchdog found a reader still waiting for the end of its stream and stopped it.
  if [ -e "$sd_flag.open" ] && { [ "$sd_s1" -ne 0 ] || [ "$sd_s2" -ne 0 ]; }; then
    if [ "$sd_s1" -ne 0 ]; then sd_stream=STDOUT; else sd_stream=STDERR; fi
    sd_script_failed 6 "$2" "Script at specified location: $2 failed to close $sd_stream"
    return 1
  fi
  if [ "$sd_rc" -ne 0 ]; then
    if [ -n "$4" ]; then
      sd_script_failed 4 "$2" "Script at specified location: $2 run as user $4 failed with exit code $sd_rc"
    else
      sd_script_failed 4 "$2" "Script at specified location: $2 failed with exit code $sd_rc"
    fi
    return 1
  fi
  return 0
}

sd_event_failed() {
  if [ "$SD_IGNORE_FAILURES" = 1 ]; then
    printf 'stepdeploy: %s failed and the deployment ignores ApplicationStop failures: %s\n' "$SD_EVENT" "$3" >&2
    sd_finish 0 '' 'Succeeded: ' "$sd_tmp/events"
  fi
  sd_finish "$1" "$2" "$3" "$sd_tmp/events"
}

# The deployment directory the event runs from (§2.2): an earlier revision only while this
# deployment's archive does not exist yet; none at all (a no-op) on the group's first deployment.
sd_select_root() {
  sd_hook_root=$SD_DIR
  if [ "$SD_REVISION" = CURRENT ] || [ -d "$SD_H$SD_DIR/deployment-archive" ]; then return 0; fi
  if [ "$SD_REVISION" = MOST_RECENT ]; then sd_pointer=$SD_MOST_RECENT_FILE; else sd_pointer=$SD_LAST_SUCCESSFUL_FILE; fi
  sd_hook_root=
  if [ ! -f "$SD_H$sd_pointer" ]; then return 0; fi
  sd_hook_root=$(cat -- "$SD_H$sd_pointer")
  # One deployment directory of this group: a revision may have installed the file, and its hooks
  # must not run from anywhere else.
  sd_id=$\{sd_hook_root#"$SD_GROUP_DIR"/}
  case $sd_hook_root/ in
    "$SD_GROUP_DIR"/?*/) ;;
    *) sd_event_failed 5 '' "The file $sd_pointer does not name a deployment directory." ;;
  esac
  case $sd_id in
    */* | . | ..) sd_event_failed 5 '' "The file $sd_pointer does not name a deployment directory." ;;
  esac
}
`;

export interface HookEventOptions {
  event: string;
  revision: HookRevision;
  deployment: DeploymentInfo;
  bundle: BundleSpec;
  ignoreFailures: boolean;
  /** Cap of scripts.log (per deployment and instance); default DEFAULT_SCRIPTS_LOG_MAX_BYTES. */
  scriptsLogMaxBytes?: number;
}

/** scripts.log of one deployment on one instance keeps at most this much (the newest lines). */
export const DEFAULT_SCRIPTS_LOG_MAX_BYTES = 16 * 1024 * 1024;
const MIN_SCRIPTS_LOG_MAX_BYTES = 64 * 1024;

export function hookEventScript(options: HookEventOptions): string {
  const logMax = options.scriptsLogMaxBytes ?? DEFAULT_SCRIPTS_LOG_MAX_BYTES;
  if (!Number.isSafeInteger(logMax) || logMax < MIN_SCRIPTS_LOG_MAX_BYTES) {
    throw new InvalidArgumentError(
      `The scripts.log cap must be a whole number of bytes, at least ${String(MIN_SCRIPTS_LOG_MAX_BYTES)}.`,
    );
  }
  // The readers look at the caps every so often: a log may pass its cap by that much before a trim.
  const check = Math.max(4096, Math.min(Math.floor(logMax / 8), 1024 * 1024));
  return sh`
SD_REVISION=${shellQuote(options.revision)}
SD_IGNORE_FAILURES=${options.ignoreFailures ? '1' : '0'}
SD_LOG_MAX=${String(logMax)}
SD_LOG_CHECK=${String(check)}
sd_trim_sh=${quoteProgram(TRIM_SH)}
sd_reader_awk=${quoteProgram(READER_AWK)}
${exportEnvironment(options.event, options.deployment, options.bundle)}
${RUNNER}
sd_init
sd_select_root
if [ -z "$sd_hook_root" ]; then
  sd_finish 0 '' 'Succeeded: '
fi
sd_hooks_file=$SD_H$sd_hook_root/${HOOKS_FILE_NAME}
if [ ! -f "$sd_hooks_file" ]; then
  sd_event_failed 5 '' "The revision in $sd_hook_root has no ${HOOKS_FILE_NAME}: DownloadBundle must succeed before $SD_EVENT can run its hooks."
fi
if ! sh -n "$sd_hooks_file" 2>/dev/null; then
  sd_event_failed 5 '' "The hooks file $sd_hook_root/${HOOKS_FILE_NAME} is damaged."
fi
STEPDEPLOY_HOOKS_FORMAT=
. "$sd_hooks_file"
if [ "$STEPDEPLOY_HOOKS_FORMAT" != ${String(HOOKS_FILE_FORMAT)} ]; then
  sd_event_failed 5 '' "The hooks file $sd_hook_root/${HOOKS_FILE_NAME} has a format this script does not run."
fi
sd_n=0
sd_event_logged=
sd_awk_interactive=no
if awk -W interactive 'BEGIN { }' </dev/null >/dev/null 2>&1; then sd_awk_interactive=yes; fi
if sd_hooks_for "$SD_EVENT"; then
  sd_finish 0 '' 'Succeeded: ' "$sd_tmp/events"
fi
sd_event_failed "$sd_err_code" "$sd_err_script" "$sd_err_msg"
`;
}
