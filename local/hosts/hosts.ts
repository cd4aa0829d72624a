import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A local host: a root directory standing in for an instance's `/`, and the port its app serves on. */
export interface LocalHost {
  id: string;
  root: string;
  port: number;
}

export function hostsDirectory(stateDir: string): string {
  return join(stateDir, 'hosts');
}

export function hostId(index: number): string {
  return `host-${index}`;
}

/** A free TCP port on 127.0.0.1, as the OS hands one out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The host named `id` under the state directory (`hosts/<id>/root`, its port in `hosts/<id>/host.json`),
 * created on first use. A host keeps its port across runs, so a later deployment finds its app where
 * it left it. `id` must be a safe directory name (the API admits only such instance names).
 */
export async function ensureHost(stateDir: string, id: string): Promise<LocalHost> {
  const dir = join(hostsDirectory(stateDir), id);
  const file = join(dir, 'host.json');
  const root = join(dir, 'root');
  mkdirSync(root, { recursive: true });
  let port: number | undefined;
  let terminated = false;
  if (existsSync(file)) {
    const host = JSON.parse(readFileSync(file, 'utf8')) as { port?: number; terminatedAt?: string };
    port = host.port;
    terminated = host.terminatedAt !== undefined;
  }
  // A terminated host whose instance is registered again is a machine brought back up.
  if (!port || terminated) {
    port ??= await freePort();
    writeFileSync(file, `${JSON.stringify({ id, port }, null, 2)}\n`);
  }
  return { id, root, port };
}

/** The first `count` hosts (`host-1`...), created on first use. */
export async function ensureHosts(stateDir: string, count: number): Promise<LocalHost[]> {
  const hosts: LocalHost[] = [];
  for (let index = 1; index <= count; index++) hosts.push(await ensureHost(stateDir, hostId(index)));
  return hosts;
}

/** What `hosts/<id>/host.json` records: the host's port, and when a blue/green deployment ended it. */
interface HostFile {
  id?: string;
  port?: number;
  /** ISO time the host was terminated (its processes ended); its root is kept until `hosts prune`. */
  terminatedAt?: string;
}

export interface HostEntry extends LocalHost {
  terminatedAt?: string;
}

function readHostFile(file: string): HostFile {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as HostFile;
  } catch {
    return {};
  }
}

/** Marks the host terminated: a terminated machine takes no more commands and serves nothing. */
export function markHostTerminated(stateDir: string, id: string, at: Date): void {
  const file = join(hostsDirectory(stateDir), id, 'host.json');
  if (!existsSync(file)) return;
  const current = readHostFile(file);
  if (current.terminatedAt) return;
  writeFileSync(file, `${JSON.stringify({ ...current, id, terminatedAt: at.toISOString() }, null, 2)}\n`);
}

/** Every host of the state directory, terminated or not, in name order. */
export function listHosts(stateDir: string): HostEntry[] {
  const dir = hostsDirectory(stateDir);
  if (!existsSync(dir)) return [];
  const hosts: HostEntry[] = [];
  for (const id of readdirSync(dir)) {
    const file = join(dir, id, 'host.json');
    if (!existsSync(file)) continue;
    const host = readHostFile(file);
    hosts.push({
      id,
      root: join(dir, id, 'root'),
      port: host.port ?? 0,
      ...(host.terminatedAt ? { terminatedAt: host.terminatedAt } : {}),
    });
  }
  return hosts.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}
