/**
 * The process groups of lifecycle events that are running on local hosts, kept in the state
 * directory, so that none outlives its deployment: not when the `stepdeploy` process ends in any way
 * (a watcher ends them when it sees that process gone, kill -9 included), and not when that watcher
 * was killed too (the next command that opens the state directory ends them).
 *
 * One file per command and host, `<commandId>.<hostId>.pgids`: the event script's own group (the
 * transport starts it as a group leader), then each hook's group, which the script appends
 * (STEPDEPLOY_PROCESS_GROUPS). An app that ApplicationStart started keeps running: its event finished,
 * and a finished event's file is removed.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KILL_GRACE_SECONDS } from '../../functions/domain/instance-scripts/preamble.js';

const SUFFIX = '.pgids';

/**
 * The watcher: polls the stepdeploy process once a second; once it is gone, ends every recorded
 * group (SIGTERM, then SIGKILL after the scripts' grace) and removes the files. Constant text: the
 * pid, the directory and the grace come as arguments. A Ctrl-C on the terminal is the stepdeploy
 * process' to handle, so the watcher ignores it.
 */
const WATCHER_SH = String.raw`
owner=$1 dir=$2 grace=$3
trap '' INT HUP
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
groups() { cat "$dir"/*${SUFFIX} 2>/dev/null | grep -E '^[0-9]+$'; }
for g in $(groups); do kill -TERM "-$g" 2>/dev/null; done
i=0
while [ "$i" -lt "$grace" ]; do
  left=
  for g in $(groups); do
    if kill -0 "-$g" 2>/dev/null; then left=1; fi
  done
  if [ -z "$left" ]; then break; fi
  sleep 1
  i=$((i + 1))
done
for g in $(groups); do kill -KILL "-$g" 2>/dev/null; done
rm -f "$dir"/*${SUFFIX}
`;

export class EventProcessRecords {
  readonly directory: string;
  private watcher?: number;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  /** The state directory's records. */
  static of(stateDir: string): EventProcessRecords {
    return new EventProcessRecords(join(stateDir, 'running-events'));
  }

  /**
   * The file a command's script on a host appends its hooks' groups to (STEPDEPLOY_PROCESS_GROUPS);
   * made ready, with the watcher running, before the script starts.
   */
  file(commandId: string, hostId: string): string {
    mkdirSync(this.directory, { recursive: true });
    this.startWatcher();
    return join(this.directory, `${commandId}.${hostId}${SUFFIX}`);
  }

  /** Records an event script that just started as the leader of process group `pgid`. */
  started(commandId: string, hostId: string, pgid: number): void {
    appendFileSync(this.file(commandId, hostId), `${String(pgid)}\n`);
  }

  /** The event's script exited: its hooks' groups are ended too unless it finished on its own. */
  async finished(commandId: string, hostId: string, endGroups: boolean): Promise<void> {
    const file = this.file(commandId, hostId);
    if (endGroups) await endProcessGroups(readGroups(file));
    rmSync(file, { force: true });
  }

  /**
   * Starts the watcher of this process (once): it outlives a kill -9 of this process and then ends
   * what is recorded. It holds nothing of this process open, so this process exits as it would.
   */
  startWatcher(): void {
    if (this.watcher !== undefined) return;
    const child = spawn(
      'sh',
      [
        '-c',
        WATCHER_SH,
        'stepdeploy-event-watcher',
        String(process.pid),
        this.directory,
        String(KILL_GRACE_SECONDS),
      ],
      {
        detached: true,
        stdio: 'ignore',
        // Not a host process: `hosts stop` (which finds them by STEPDEPLOY_HOST_ROOT) leaves it alone.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      },
    );
    child.unref();
    this.watcher = child.pid ?? 0;
    writeFileSync(join(this.directory, 'watcher.pid'), `${String(this.watcher)}\n`);
  }

  /** This process is closing its environment normally: nothing is left to watch. */
  stopWatcher(): void {
    if (!this.watcher) return;
    // Its whole group: the shell and the `sleep` it may be in, which would otherwise linger a second.
    signalGroup(this.watcher, 'SIGTERM');
    this.watcher = undefined;
    rmSync(join(this.directory, 'watcher.pid'), { force: true });
  }

  /**
   * SIGKILL, now, to every recorded group that still has a local host's process in it (a shutdown
   * that cannot wait for the scripts' grace).
   */
  killAll(hostsDir: string): void {
    let names: string[];
    try {
      names = readdirSync(this.directory).filter((name) => name.endsWith(SUFFIX));
    } catch {
      return;
    }
    for (const name of names) {
      for (const pgid of readGroups(join(this.directory, name))) {
        if (groupHasHostProcess(pgid, hostsDir)) signalGroup(pgid, 'SIGKILL');
      }
    }
  }

  /**
   * Ends the groups a process that ended (and its watcher with it) left recorded: the recovery of the
   * next command that opens the state directory. A group is signalled only while one of its members
   * is a local host's process (its environment names these hosts), so a group id the system has
   * given to something else since is never touched. Returns the groups ended.
   */
  async endLeftovers(hostsDir: string): Promise<number[]> {
    let names: string[];
    try {
      names = readdirSync(this.directory).filter((name) => name.endsWith(SUFFIX));
    } catch {
      return [];
    }
    const groups = names.flatMap((name) => readGroups(join(this.directory, name)));
    const ours = groups.filter((pgid) => groupHasHostProcess(pgid, hostsDir));
    await endProcessGroups(ours);
    for (const name of names) rmSync(join(this.directory, name), { force: true });
    return ours;
  }
}

function readGroups(file: string): number[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => /^\d+$/.test(line))
    .map(Number)
    .filter((pgid) => pgid > 1);
}

/** Whether a live member of the group carries STEPDEPLOY_HOST_ROOT under `hostsDir` (Linux /proc). */
function groupHasHostProcess(pgid: number, hostsDir: string): boolean {
  const prefix = `STEPDEPLOY_HOST_ROOT=${resolve(hostsDir)}`;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    // No /proc: the group cannot be checked, so it is trusted only while it exists.
    return groupAlive(pgid);
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields: state, ppid, pgrp, ...
      if (fields[0] === 'Z' || Number(fields[2]) !== pgid) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (environ.split('\0').some((variable) => variable.startsWith(prefix))) return true;
    } catch {
      // gone, or not ours to read
    }
  }
  return false;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // gone already
  }
}

/** SIGTERM to each group, then SIGKILL to what is left after the scripts' grace. */
export async function endProcessGroups(
  pgids: readonly number[],
  graceMs = KILL_GRACE_SECONDS * 1000,
): Promise<void> {
  if (pgids.length === 0) return;
  for (const pgid of pgids) signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pgids.some(liveMember)) await new Promise((r) => setTimeout(r, 100));
  for (const pgid of pgids) signalGroup(pgid, 'SIGKILL');
}

/** A live (not zombie) member of the group, where /proc tells; else whatever kill 0 says. */
function liveMember(pgid: number): boolean {
  if (!groupAlive(pgid)) return false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  return entries.some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return fields[0] !== 'Z' && Number(fields[2]) === pgid;
    } catch {
      return false;
    }
  });
}
