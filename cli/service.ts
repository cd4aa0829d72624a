/**
 * How a command reaches the service it drives: the `stepdeploy server` running for the state
 * directory (signed with the key in its server.json), a server this process starts for its own
 * duration (`deploy` when none runs), or the API of the AWS stack (`--endpoint-url`, the default
 * credential chain). Every path goes through @aws-sdk/client-codedeploy (and @aws-sdk/client-s3 for
 * uploads), by way of the adapters in functions/adapters/aws.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CodeDeployService } from '../functions/adapters/aws/codedeploy-service.js';
import type { RevisionUploads } from '../functions/adapters/aws/revision-uploads.js';
import type { BundleLimits } from '../functions/domain/bundle-checks.js';
import type { LocalServer, LocalServerOptions } from '../local/server/server.js';
import type { StateDirLock } from '../local/state-dir.js';
import type { ServerFile } from '../local/server/server-file.js';
import { UsageError } from './exit-codes.js';

export interface ServiceConnection {
  kind: 'own-server' | 'running-server' | 'endpoint';
  codedeploy: CodeDeployService;
  /** Where revisions are uploaded (the local S3 endpoint, or S3 with the default credential chain). */
  uploads: RevisionUploads;
  /** The state directory of a local server. */
  stateDir?: string;
  /** The server this process started (`deploy` without a running server). */
  server?: LocalServer;
  /** What the running server's server.json says (its load balancers, its pid). */
  serverFile?(): ServerFile | undefined;
  /**
   * Lets go of the service. A server this process started first waits for the deployments other
   * commands started on it (through server.json), unless `abandon`: this process's own
   * (`ownDeployments`) end with it, and the next command marks them failed.
   */
  close(options?: { ownDeployments?: readonly string[]; abandon?: boolean }): Promise<void>;
}

async function adapters() {
  const [{ codeDeployService, regionOfEndpoint }, { RevisionUploads }] = await Promise.all([
    import('../functions/adapters/aws/codedeploy-service.js'),
    import('../functions/adapters/aws/revision-uploads.js'),
  ]);
  return { codeDeployService, regionOfEndpoint, RevisionUploads };
}

/** A connection to a local server through its server.json. */
async function connectToFile(
  file: ServerFile,
  kind: 'own-server' | 'running-server',
  stateDir: string,
): Promise<Omit<ServiceConnection, 'close' | 'server'> & { close(): void }> {
  const { codeDeployService, RevisionUploads } = await adapters();
  const credentials = { accessKeyId: file.accessKeyId, secretAccessKey: file.secretAccessKey };
  const codedeploy = codeDeployService({
    endpoint: file.endpoint,
    region: file.region,
    credentials,
    signingName: 'codedeploy',
    maxAttempts: 3,
  });
  const uploads = new RevisionUploads({ endpoint: file.s3Endpoint, region: file.region, credentials });
  return {
    kind,
    codedeploy,
    uploads,
    stateDir,
    close() {
      codedeploy.destroy();
      uploads.destroy();
    },
  };
}

/** The server running for the state directory, if one does. */
export async function connectToRunningServer(stateDir: string): Promise<ServiceConnection | undefined> {
  const dir = resolve(stateDir);
  const { liveServer, holdClientLease } = await import('../local/state-dir.js');
  // Taken first: a `deploy` whose server this is then stays until this command lets go.
  const lease = holdClientLease(dir);
  const file = await liveServer(dir);
  if (!file) {
    lease.release();
    return undefined;
  }
  return connectAsClient(file, dir, lease);
}

async function connectAsClient(
  file: ServerFile,
  dir: string,
  lease: { release(): void },
): Promise<ServiceConnection> {
  const { readServerFile } = await import('../local/server/server-file.js');
  const connection = await connectToFile(file, 'running-server', dir);
  return {
    ...connection,
    serverFile: () => readServerFile(dir) as ServerFile | undefined,
    close: async () => {
      connection.close();
      lease.release();
    },
  };
}

/**
 * `deploy` on this machine: the server running for the state directory, else one this process starts
 * (`ownServer`), else, when another command's server came up meanwhile, that one. Waits while another
 * command holds the directory for a moment.
 */
export async function connectOrStartServer(
  stateDir: string,
  ownServer: OwnServerOptions = {},
): Promise<ServiceConnection> {
  const dir = resolve(stateDir);
  const { claimStateDir, holdClientLease } = await import('../local/state-dir.js');
  const lease = holdClientLease(dir);
  try {
    const claim = await claimStateDir(dir, { purpose: 'deploy' });
    if (claim.server) return await connectAsClient(claim.server, dir, lease);
    lease.release();
    return await startOwnServer(dir, ownServer, claim.lock);
  } catch (error) {
    lease.release();
    throw error;
  }
}

export interface OwnServerOptions {
  bundleLimits?: Partial<BundleLimits>;
  scriptsLogMaxBytes?: number;
  /** The local load balancer's port (the first target group's listener). */
  loadBalancerPort?: number;
  /** Compressed time and the step settings that go with it (the demo). */
  clock?: LocalServerOptions['clock'];
  settings?: LocalServerOptions['settings'];
}

/** A server in this process, for its own duration (`deploy` when none runs for the state directory). */
export async function startOwnServer(
  stateDir: string,
  options: OwnServerOptions = {},
  /** The directory's lock, when the caller took it already. */
  lock?: StateDirLock,
): Promise<ServiceConnection> {
  const { startLocalServer } = await import('../local/server/server.js');
  const server = await startLocalServer({
    stateDir,
    ...(lock ? { lock } : {}),
    ...(options.bundleLimits ? { bundleLimits: options.bundleLimits } : {}),
    ...(options.scriptsLogMaxBytes !== undefined ? { scriptsLogMaxBytes: options.scriptsLogMaxBytes } : {}),
    ...(options.loadBalancerPort !== undefined ? { loadBalancerPort: options.loadBalancerPort } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
  });
  try {
    const connection = await connectToFile(server.serverFile(), 'own-server', server.stateDir);
    return {
      ...connection,
      server,
      serverFile: () => server.serverFile(),
      async close(options = {}) {
        connection.close();
        // Other commands found this server through server.json and may be using it (a second
        // `deploy`): its engine lives here, so it stays until they let go and their deployments end.
        if (!options.abandon) await othersDone(server, new Set(options.ownDeployments ?? []));
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** The API of the AWS stack (its function URL), with the default credential chain. */
export async function connectToEndpoint(endpoint: string): Promise<ServiceConnection> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint-url ${endpoint} is not a URL: give the stack's ApiEndpointUrl output.`);
  }
  const { codeDeployService, regionOfEndpoint, RevisionUploads } = await adapters();
  const region = regionOfEndpoint(url.href) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new UsageError(
      `the region of ${endpoint} is not known: set AWS_REGION (a Lambda function URL names its region itself).`,
    );
  }
  const codedeploy = codeDeployService({ endpoint: url.href.replace(/\/$/, ''), region });
  const uploads = new RevisionUploads({ region });
  return {
    kind: 'endpoint',
    codedeploy,
    uploads,
    async close() {
      codedeploy.destroy();
      uploads.destroy();
    },
  };
}

/**
 * What `status`, `list`, `stop` and `continue` talk to: `--endpoint-url`, else the server running for
 * the state directory, else the directory itself: its lock, held while they read its records.
 */
export async function connectForCommand(options: {
  stateDir: string;
  endpointUrl?: string;
  purpose: string;
}): Promise<
  { connection: ServiceConnection; lock?: undefined } | { lock: StateDirLock; connection?: undefined }
> {
  if (options.endpointUrl) return { connection: await connectToEndpoint(options.endpointUrl) };
  const dir = resolve(options.stateDir);
  // Nothing uses a directory that does not exist, and a mistyped --state-dir creates none.
  if (!existsSync(dir)) return { lock: { stateDir: dir, release: async () => undefined } };
  const { claimStateDir, holdClientLease } = await import('../local/state-dir.js');
  const lease = holdClientLease(dir);
  try {
    const claim = await claimStateDir(dir, { purpose: options.purpose });
    if (claim.server) return { connection: await connectAsClient(claim.server, dir, lease) };
    lease.release();
    return { lock: claim.lock };
  } catch (error) {
    lease.release();
    throw error;
  }
}

/** The exception name of a failed call (the SDK names its errors after CodeDeploy's exceptions). */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/**
 * Resolves once no other command uses the server (their client leases) and no deployment but `own`
 * is unfinished on it; then server.json says it stopped, so no new client finds it. A client that
 * found it just before (its lease taken first) is seen by the second look, and the server serves on.
 * A shutdown (Ctrl-C) that begins meanwhile ends the wait: it stops everything itself.
 */
async function othersDone(server: LocalServer, own: ReadonlySet<string>): Promise<void> {
  const [{ liveClients }, { unfinishedDeployments }, { markServerStopped, writeServerFile }] =
    await Promise.all([
      import('../local/state-dir.js'),
      import('../local/server/server.js'),
      import('../local/server/server-file.js'),
    ]);
  const idle = async () =>
    liveClients(server.stateDir).length === 0 &&
    (await unfinishedDeployments(server.runtime)).every((id) => own.has(id));
  for (;;) {
    if (server.closing()) return;
    if (await idle()) {
      markServerStopped(server.stateDir);
      if (liveClients(server.stateDir).length === 0) return;
      writeServerFile(server.stateDir, server.serverFile());
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
