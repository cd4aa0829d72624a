/**
 * How a command reaches the service it drives: the `stepdeploy server` running for the state
 * directory (signed with the key in its server.json), a server this process starts for its own
 * duration (`deploy` when none runs), or the API of the AWS stack (`--endpoint-url`, the default
 * credential chain). Every path goes through @aws-sdk/client-codedeploy (and @aws-sdk/client-s3 for
 * uploads), by way of the adapters in functions/adapters/aws.
 */
import { resolve } from 'node:path';
import type { CodeDeployService } from '../functions/adapters/aws/codedeploy-service.js';
import type { RevisionUploads } from '../functions/adapters/aws/revision-uploads.js';
import type { BundleLimits } from '../functions/domain/bundle-checks.js';
import type { LocalServer, LocalServerOptions } from '../local/server/server.js';
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
  const { liveServer } = await import('../local/state-dir.js');
  const file = await liveServer(dir);
  if (!file) return undefined;
  const { readServerFile } = await import('../local/server/server-file.js');
  const connection = await connectToFile(file, 'running-server', dir);
  return {
    ...connection,
    serverFile: () => readServerFile(dir) as ServerFile | undefined,
    close: async () => connection.close(),
  };
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
): Promise<ServiceConnection> {
  const { startLocalServer } = await import('../local/server/server.js');
  const server = await startLocalServer({
    stateDir,
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
        // Other commands found this server through server.json and may have deployments running on
        // it (a second `deploy`): its engine lives here, so it stays until they end.
        if (!options.abandon) await othersEnd(server, new Set(options.ownDeployments ?? []));
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
 * What `status`, `list`, `stop` and `continue` talk to: `--endpoint-url`, else the running server,
 * else nothing (they then read the state directory's records themselves).
 */
export async function connectForCommand(options: {
  stateDir: string;
  endpointUrl?: string;
}): Promise<ServiceConnection | undefined> {
  if (options.endpointUrl) return connectToEndpoint(options.endpointUrl);
  return connectToRunningServer(options.stateDir);
}

/** The exception name of a failed call (the SDK names its errors after CodeDeploy's exceptions). */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** How long a server kept for other commands' deployments stays once they end, so they read the end. */
const CLIENT_READ_GRACE_MS = 1000;

/** Resolves once no deployment but `own` is unfinished (Created, Queued, InProgress, Baking, Ready) on the server. */
async function othersEnd(server: LocalServer, own: ReadonlySet<string>): Promise<void> {
  let waited = false;
  for (;;) {
    const unfinished: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await server.runtime.deps.store.listDeploymentIds(
        { statuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] },
        { limit: 100, ...(nextToken ? { nextToken } : {}) },
      );
      unfinished.push(...page.items.filter((id) => !own.has(id)));
      nextToken = page.nextToken;
    } while (nextToken);
    if (unfinished.length === 0) {
      // Their clients read the end after it happens (a poll later): give them a moment to.
      if (waited) await new Promise((resolve) => setTimeout(resolve, CLIENT_READ_GRACE_MS));
      return;
    }
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
