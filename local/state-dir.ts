import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What a running stepdeploy process announces in its state directory. */
export interface RuntimeAnnouncement {
  pid: number;
  apiUrl: string;
  startedAt: string;
  /** The local load balancer's listener, when the process runs one. */
  loadBalancerUrl?: string;
}

function announcementFile(stateDir: string): string {
  return join(stateDir, 'runtime.json');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process serving this state directory, if any (a stale announcement is ignored). */
export function liveRuntime(stateDir: string): RuntimeAnnouncement | undefined {
  const file = announcementFile(stateDir);
  if (!existsSync(file)) return undefined;
  try {
    const announcement = JSON.parse(readFileSync(file, 'utf8')) as RuntimeAnnouncement;
    return isAlive(announcement.pid) && announcement.pid !== process.pid ? announcement : undefined;
  } catch {
    return undefined;
  }
}

export class StateDirectoryBusyError extends Error {
  override name = 'StateDirectoryBusyError';
}

/**
 * The state directory's records (LevelDB) admit one process at a time: another live stepdeploy
 * process on the same directory is an error naming it.
 */
export function assertStateDirFree(stateDir: string): string {
  const dir = resolve(stateDir);
  mkdirSync(dir, { recursive: true });
  const other = liveRuntime(dir);
  if (other) {
    throw new StateDirectoryBusyError(
      `Another stepdeploy process (pid ${other.pid}) is using ${dir}. Wait for it, stop it, or use another --state-dir.`,
    );
  }
  return dir;
}

/** Tells other commands where this process serves the API; returns the function that withdraws it. */
export function announceRuntime(
  stateDir: string,
  apiUrl: string,
  listeners: { loadBalancerUrl?: string } = {},
): () => void {
  const file = announcementFile(stateDir);
  const announcement: RuntimeAnnouncement = {
    pid: process.pid,
    apiUrl,
    startedAt: new Date().toISOString(),
    ...listeners,
  };
  writeFileSync(file, `${JSON.stringify(announcement, null, 2)}\n`);
  return () => rmSync(file, { force: true });
}
