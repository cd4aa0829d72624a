import type { Server, ServerResponse } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import dynalite from 'dynalite';
import {
  localDynamoDbClient,
  localDynamoDbClientOverSocket,
} from '../../functions/adapters/aws/dynamodb-client.js';
import { createTable, dynamoDbDeploymentStore } from '../../functions/adapters/aws/dynamodb-store.js';
import type { DeploymentStore } from '../../functions/ports/deployment-store.js';

type DynamoDBClient = ReturnType<typeof localDynamoDbClient>;

export const LOCAL_TABLE_NAME = 'stepdeploy';
/** Unix socket paths are limited to about 108 bytes; longer state directories use a private temp dir. */
const MAX_SOCKET_PATH = 100;
/** How long closing waits for the requests dynalite is still answering. */
const CLOSE_WAIT_MS = 2000;

export interface LocalDatabase {
  store: DeploymentStore;
  client: DynamoDBClient;
  tableName: string;
  /** The Unix socket dynalite listens on (mode 0600, in a directory of mode 0700). */
  socketPath?: string;
  /** Only with `transport: 'tcp'`: the http://127.0.0.1:PORT endpoint. */
  endpoint?: string;
  close(): Promise<void>;
}

export interface LocalDatabaseOptions {
  /** LevelDB directory for the records; in memory when absent. */
  path?: string;
  /**
   * `unix-socket` (the default): dynalite listens on a Unix socket only the current user can open, so
   * no other local user reaches the records (dynalite accepts any signature). `tcp` listens on
   * 127.0.0.1 for a process that can only be given an endpoint URL (scripts/check-bundles.ts, with
   * an in-memory throwaway table).
   */
  transport?: 'unix-socket' | 'tcp';
}

function listen(server: Server, ...args: [string] | [number, string]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(...(args as [number, string]), () => resolve());
  });
}

/** Socket directories in the system's temp dir, removed also when the process exits unclosed (a second Ctrl-C). */
const temporaryDirectories = new Set<string>();
process.once('exit', () => {
  for (const dir of temporaryDirectories) rmSync(dir, { recursive: true, force: true });
});

/** A directory only this user can enter, for the socket; removed on close when it is a temp dir. */
function socketDirectory(path: string | undefined): { dir: string; temporary: boolean } {
  if (path) {
    const dir = join(dirname(path), 'run');
    if (join(dir, 'records.sock').length <= MAX_SOCKET_PATH) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      return { dir, temporary: false };
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'stepdeploy-records-'));
  temporaryDirectories.add(dir);
  return { dir, temporary: true };
}

/** Removes a socket a killed process left; refuses when a live process still answers on it. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  if (!existsSync(socketPath)) return;
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection({ path: socketPath });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live)
    throw new Error(
      `Another process serves the records at ${socketPath}: stop it, or use another state directory.`,
    );
  rmSync(socketPath, { force: true });
}

/**
 * DynamoDB's API served by dynalite: in memory for tests, on disk (LevelDB) under the state directory
 * for the CLI, so `stepdeploy status` reads what `stepdeploy deploy` wrote.
 */
export async function startLocalDatabase(options: LocalDatabaseOptions = {}): Promise<LocalDatabase> {
  // Only this user reads the records (LevelDB files) directly.
  if (options.path) mkdirSync(options.path, { recursive: true, mode: 0o700 });
  const server: Server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  // Requests dynalite has taken and not yet answered. Closing waits for them: dynalite closes its
  // LevelDB under a query it has queued, which then throws out of a setImmediate (a crash).
  let answering = 0;
  server.prependListener('request', (_request, response) => {
    answering++;
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    let ended = false;
    response.end = ((...args: unknown[]) => {
      if (!ended) answering--;
      ended = true;
      return end(...args);
    }) as ServerResponse['end'];
  });
  let client: DynamoDBClient;
  let endpoint: string | undefined;
  let socketPath: string | undefined;
  let socketDir: { dir: string; temporary: boolean } | undefined;
  if (options.transport === 'tcp') {
    await listen(server, 0, '127.0.0.1');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = localDynamoDbClient(endpoint);
  } else {
    socketDir = socketDirectory(options.path);
    socketPath = join(socketDir.dir, 'records.sock');
    await removeStaleSocket(socketPath);
    await listen(server, socketPath);
    chmodSync(socketPath, 0o600);
    client = localDynamoDbClientOverSocket(socketPath);
  }
  await createTable(client, LOCAL_TABLE_NAME);
  return {
    store: dynamoDbDeploymentStore(client, LOCAL_TABLE_NAME),
    client,
    tableName: LOCAL_TABLE_NAME,
    ...(socketPath ? { socketPath } : {}),
    ...(endpoint ? { endpoint } : {}),
    async close() {
      client.destroy();
      for (const deadline = Date.now() + CLOSE_WAIT_MS; answering > 0 && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (socketDir?.temporary) {
        rmSync(socketDir.dir, { recursive: true, force: true });
        temporaryDirectories.delete(socketDir.dir);
      }
    },
  };
}
