/**
 * Who uses a state directory. Its records (LevelDB, served by dynalite) admit one process: a server
 * (`stepdeploy server`, or the one `deploy` starts for itself) holds the directory for its whole life
 * and every other command goes through its API; without a server, a command (`status`, `list`,
 * `hosts stop`) holds it for the moment it reads the records.
 *
 * Holding it is a kernel lock: LevelDB's LOCK file under `<state-dir>/run/lock` (an fcntl lock, which
 * Node cannot take by itself). The system releases it when its process ends, however it ends (kill -9
 * included), so a killed run never leaves the directory held, and no pid, reused or not, is trusted
 * to say who holds it. A `server.json` whose server does not hold the lock is stale by definition.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { callCodeDeployApi } from './server/api-client.js';
import { markServerStopped, readServerFile, type ServerFile } from './server/server-file.js';

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When the process started (clock ticks since boot, /proc/<pid>/stat's 22nd field); Linux only. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** A process, told apart from a later one with the same pid by its start time where /proc tells it. */
interface ProcessIdentity {
  pid: number;
  startTime?: string;
}

function currentProcess(): ProcessIdentity {
  const startTime = processStartTime(process.pid);
  return { pid: process.pid, ...(startTime ? { startTime } : {}) };
}

function isRunning(identity: ProcessIdentity): boolean {
  if (!isAlive(identity.pid)) return false;
  const startTime = processStartTime(identity.pid);
  return identity.startTime === undefined || startTime === undefined || startTime === identity.startTime;
}

const runDirectory = (stateDir: string) => join(stateDir, 'run');
/** Who took the lock, for messages only: the lock itself decides. */
const holderFile = (stateDir: string) => join(runDirectory(stateDir), 'lock-holder.json');

function ensureRunDirectory(stateDir: string): void {
  mkdirSync(runDirectory(stateDir), { recursive: true, mode: 0o700 });
}

export interface StateDirLock {
  stateDir: string;
  release(): Promise<void>;
}

/** Takes the state directory's lock if no process holds it. */
export async function tryLockStateDir(stateDir: string, purpose: string): Promise<StateDirLock | undefined> {
  const dir = resolve(stateDir);
  ensureRunDirectory(dir);
  const lock = new ClassicLevel(join(runDirectory(dir), 'lock'));
  try {
    await lock.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') return undefined;
    throw error;
  }
  writeFileSync(holderFile(dir), `${JSON.stringify({ ...currentProcess(), purpose })}\n`, { mode: 0o600 });
  let released = false;
  return {
    stateDir: dir,
    async release() {
      if (released) return;
      released = true;
      rmSync(holderFile(dir), { force: true });
      await lock.close();
    },
  };
}

function lockHolder(stateDir: string): (ProcessIdentity & { purpose?: string }) | undefined {
  try {
    return JSON.parse(readFileSync(holderFile(stateDir), 'utf8')) as ProcessIdentity & { purpose?: string };
  } catch {
    return undefined;
  }
}

/**
 * How long a server named in server.json has to answer before it counts as gone. Generous: a live
 * server may be busy for a moment on a loaded machine, while a dead one refuses the connection at once.
 */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * The `stepdeploy server` (or `deploy` with its own server) serving this state directory, if any.
 * `<state-dir>/server.json` names it; it counts only when its process is alive and its API answers a
 * call signed with the file's key, so a file left by a killed server, whose pid may belong to another
 * process since, is recognised as stale.
 */
export async function liveServer(stateDir: string): Promise<ServerFile | undefined> {
  const file = readServerFile(resolve(stateDir));
  if (
    !file?.endpoint ||
    !file.accessKeyId ||
    !file.secretAccessKey ||
    !file.region ||
    file.pid === undefined ||
    file.pid === process.pid ||
    !isAlive(file.pid)
  ) {
    return undefined;
  }
  const key = { accessKeyId: file.accessKeyId, secretAccessKey: file.secretAccessKey, region: file.region };
  try {
    await callCodeDeployApi(file.endpoint, 'ListApplications', {}, key, { timeoutMs: PROBE_TIMEOUT_MS });
    return file as ServerFile;
  } catch {
    return undefined;
  }
}

export class StateDirectoryBusyError extends Error {
  override name = 'StateDirectoryBusyError';
  constructor(
    message: string,
    /** The server that holds the directory, when it is one. */
    readonly server?: ServerFile,
  ) {
    super(message);
  }
}

/** What a command gets: the directory to itself (the lock), or the server that holds it. */
export type StateDirClaim =
  { lock: StateDirLock; server?: undefined } | { server: ServerFile; lock?: undefined };

/**
 * How long a command waits for the directory: another command may hold it for a moment (a `status`
 * reading the records, a server starting up or closing).
 */
export const CLAIM_WAIT_MS = 20_000;

/**
 * The state directory for this command: its lock when no process holds it (a server.json left by a
 * killed server is marked stopped then), else the live server that holds it. Waits while another
 * command holds it without serving it (starting, closing, reading the records), up to `waitMs`.
 */
export async function claimStateDir(
  stateDir: string,
  options: { purpose: string; waitMs?: number },
): Promise<StateDirClaim> {
  const dir = resolve(stateDir);
  const deadline = Date.now() + (options.waitMs ?? CLAIM_WAIT_MS);
  for (;;) {
    const lock = await tryLockStateDir(dir, options.purpose);
    if (lock) {
      if (readServerFile(dir)?.pid) markServerStopped(dir);
      return { lock };
    }
    const server = await liveServer(dir);
    if (server) return { server };
    if (Date.now() >= deadline) {
      const holder = lockHolder(dir);
      const who =
        holder && isRunning(holder)
          ? `stepdeploy process ${holder.pid}${holder.purpose ? ` (${holder.purpose})` : ''}`
          : 'stepdeploy process';
      throw new StateDirectoryBusyError(
        `Another ${who} is using ${dir} and has not let go of it for ${Math.round((options.waitMs ?? CLAIM_WAIT_MS) / 1000)} s. Wait for it to end, or use another --state-dir.`,
      );
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * The directory for a server of this process: its lock, or an error naming the live server that
 * holds it (its commands go through that one).
 */
export async function lockStateDirForServer(stateDir: string): Promise<StateDirLock> {
  const claim = await claimStateDir(stateDir, { purpose: 'server' });
  if (claim.lock) return claim.lock;
  const other = claim.server;
  throw new StateDirectoryBusyError(
    `A stepdeploy server (pid ${other.pid}, ${other.endpoint}) is using ${resolve(stateDir)}. Use it (commands on this state directory go through it), stop it, or use another --state-dir.`,
    other,
  );
}

const clientsDirectory = (stateDir: string) => join(runDirectory(stateDir), 'clients');

/**
 * A command using a server it did not start says so here (`<state-dir>/run/clients/<pid>`) while it
 * does, so that a `deploy` whose own server serves it does not close that server under it. Taken
 * before the server is looked up, so a server that looks for clients after it marked itself stopped
 * sees every client that may have found it.
 */
export function holdClientLease(stateDir: string): { release(): void } {
  const dir = clientsDirectory(resolve(stateDir));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, String(process.pid));
  // Through a rename: a server never reads half a lease (and takes it for a stale one).
  writeFileSync(`${file}.tmp`, `${JSON.stringify(currentProcess())}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return { release: () => rmSync(file, { force: true }) };
}

/** The processes that hold a client lease and still run (the leases of ended ones are removed). */
export function liveClients(stateDir: string): number[] {
  const dir = clientsDirectory(resolve(stateDir));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const name of names.filter((entry) => /^\d+$/.test(entry))) {
    const file = join(dir, name);
    let identity: ProcessIdentity | undefined;
    try {
      identity = JSON.parse(readFileSync(file, 'utf8')) as ProcessIdentity;
    } catch {
      identity = undefined;
    }
    if (identity && identity.pid !== process.pid && isRunning(identity)) live.push(identity.pid);
    else if (identity?.pid !== process.pid) rmSync(file, { force: true });
  }
  return live;
}
