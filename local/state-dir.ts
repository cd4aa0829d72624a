import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { callCodeDeployApi } from './server/api-client.js';
import { readServerFile, type ServerFile } from './server/server-file.js';

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * How long a server named in server.json has to answer before the file counts as stale. Generous: a
 * live server may be busy for a moment (validating a huge AppSpec on a loaded machine), while a dead
 * one refuses the connection at once.
 */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * The `stepdeploy server` (or `deploy` with its own server) serving this state directory, if any.
 * `<state-dir>/server.json` names it; the file counts only when its process is alive and its API
 * answers a call signed with the file's key, so a file left by a killed server (whose pid may have
 * been reused since) is recognised as stale.
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
}

/**
 * The state directory's records (LevelDB) admit one process at a time: a live server on the same
 * directory is an error naming it.
 */
export async function assertStateDirFree(stateDir: string): Promise<string> {
  const dir = resolve(stateDir);
  mkdirSync(dir, { recursive: true });
  const other = await liveServer(dir);
  if (other) {
    throw new StateDirectoryBusyError(
      `A stepdeploy server (pid ${other.pid}, ${other.endpoint}) is using ${dir}. Use it (commands on this state directory go through it), stop it, or use another --state-dir.`,
    );
  }
  return dir;
}
