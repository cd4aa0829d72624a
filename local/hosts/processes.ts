import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Processes started on local hosts carry STEPDEPLOY_HOST_ROOT in their environment (the transport
 * sets it, and children inherit it, daemons included). Reading /proc finds them all, whatever pid
 * files the app's scripts keep. Linux only; elsewhere nothing is found.
 */
export function hostProcesses(hostsDir: string, options: { exact?: boolean } = {}): number[] {
  const prefix = `STEPDEPLOY_HOST_ROOT=${resolve(hostsDir)}`;
  // `exact`: the processes of the one host whose root this is (not of hosts whose roots it prefixes).
  const matches = (variable: string) =>
    options.exact ? variable === prefix || variable.startsWith(`${prefix}/`) : variable.startsWith(prefix);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (environ.split('\0').some(matches)) pids.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/**
 * Ends every process of the local hosts (`exact`: of the one host whose root `hostsDir` is): SIGTERM,
 * then SIGKILL for those still there after a grace period.
 */
export async function stopHostProcesses(
  hostsDir: string,
  graceMs = 3000,
  options: { exact?: boolean } = {},
): Promise<number> {
  const pids = hostProcesses(hostsDir, options);
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
  return pids.length;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An ended process nobody reaped (a zombie: some container init processes never reap orphans)
  // still answers kill 0; it is gone all the same, and waiting for it would only use up the grace.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
