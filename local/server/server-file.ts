/**
 * `<state-dir>/server.json`: the key the server signs with and where it listens, mode 0600. The key is
 * generated once per state directory and kept across restarts (a shell that exported it keeps working);
 * the rest is rewritten by the running server and kept current.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';

export interface ServerKey {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** A local ECS service's listeners, as server.json names them. */
export interface ServiceListenerUrls {
  production: string;
  test?: string;
}

/**
 * The issues' shape: `{ endpoint, s3Endpoint, region, accessKeyId, secretAccessKey, pid,
 * loadBalancers, listeners }`.
 */
export interface ServerFile extends ServerKey {
  endpoint: string;
  s3Endpoint: string;
  pid: number;
  /**
   * Target group name -> its local load balancer's URL. Kept when the server stops: the next one
   * listens on the same ports when it can, so a load balancer's URL stays the same across runs.
   */
  loadBalancers: Record<string, string>;
  /** Local ECS service name -> the URLs of its production and test listeners. */
  listeners: Record<string, ServiceListenerUrls>;
}

export const DEFAULT_REGION = 'us-east-1';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function serverFilePath(stateDir: string): string {
  return join(stateDir, 'server.json');
}

/** An access key id of AWS's form (20 upper-case characters) with a prefix no AWS key has. */
function newAccessKeyId(): string {
  const bytes = randomBytes(16);
  return `SDLK${[...bytes].map((byte) => BASE32[byte % 32]).join('')}`;
}

/** Writes the file so the secret is never readable by others, not even for a moment. */
function writeSecretFile(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

export function readServerFile(stateDir: string): Partial<ServerFile> | undefined {
  const path = serverFilePath(stateDir);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Partial<ServerFile>;
  } catch {
    return undefined;
  }
}

/** The state directory's key: the one server.json holds, or a new one written there (0600). */
export function loadOrCreateServerKey(stateDir: string, region = DEFAULT_REGION): ServerKey {
  mkdirSync(stateDir, { recursive: true });
  const existing = readServerFile(stateDir);
  if (existing?.accessKeyId && existing.secretAccessKey) {
    // Someone may have copied or restored the file with looser permissions.
    chmodSync(serverFilePath(stateDir), 0o600);
    return {
      accessKeyId: existing.accessKeyId,
      secretAccessKey: existing.secretAccessKey,
      region: existing.region ?? region,
    };
  }
  const key: ServerKey = {
    accessKeyId: newAccessKeyId(),
    secretAccessKey: randomBytes(30).toString('base64'),
    region,
  };
  writeServerFile(stateDir, {
    ...key,
    endpoint: '',
    s3Endpoint: '',
    pid: 0,
    loadBalancers: {},
    listeners: {},
  });
  return key;
}

export function writeServerFile(stateDir: string, file: ServerFile): void {
  const ordered: ServerFile = {
    endpoint: file.endpoint,
    s3Endpoint: file.s3Endpoint,
    region: file.region,
    accessKeyId: file.accessKeyId,
    secretAccessKey: file.secretAccessKey,
    pid: file.pid,
    loadBalancers: file.loadBalancers,
    listeners: file.listeners ?? {},
  };
  writeSecretFile(serverFilePath(stateDir), `${JSON.stringify(ordered, null, 2)}\n`);
}

/**
 * The server ended: the key stays (shells that exported it keep working next time), and so do the
 * load balancers' URLs, which the next server listens on again when their ports are free; the rest is
 * cleared.
 */
export function markServerStopped(stateDir: string): void {
  const current = readServerFile(stateDir);
  if (!current?.accessKeyId || !current.secretAccessKey) return;
  writeServerFile(stateDir, {
    ...(current as ServerFile),
    endpoint: '',
    s3Endpoint: '',
    pid: 0,
    // The load balancers' URLs stay for the next server, which listens on the same ports when they
    // are free; the ECS listeners end with their tasks.
    loadBalancers: current.loadBalancers ?? {},
    listeners: {},
  });
}

/** The port of each load balancer server.json names (the last server's, when none runs). */
export function loadBalancerPorts(stateDir: string): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const [targetGroup, url] of Object.entries(readServerFile(stateDir)?.loadBalancers ?? {})) {
    const port = Number(/^http:\/\/127\.0\.0\.1:(\d+)\/?$/.exec(url)?.[1]);
    if (Number.isInteger(port) && port > 0 && port < 65536) ports[targetGroup] = port;
  }
  return ports;
}

/** Keeps `loadBalancers` current as target groups get their local load balancers. */
export function updateServerLoadBalancers(stateDir: string, loadBalancers: Record<string, string>): void {
  const current = readServerFile(stateDir);
  if (!current?.accessKeyId || !current.secretAccessKey)
    throw new Error(`${serverFilePath(stateDir)} has no key: start the server first.`);
  writeServerFile(stateDir, { ...(current as ServerFile), loadBalancers });
}

/** Keeps `listeners` current as local ECS services gain listeners. */
export function updateServerListeners(
  stateDir: string,
  listeners: Record<string, ServiceListenerUrls>,
): void {
  const current = readServerFile(stateDir);
  if (!current?.accessKeyId || !current.secretAccessKey)
    throw new Error(`${serverFilePath(stateDir)} has no key: start the server first.`);
  writeServerFile(stateDir, { ...(current as ServerFile), listeners });
}

/** POSIX shell single quotes. */
const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** The `export` lines that point a shell's AWS CLI and SDKs at the server. */
export function shellExports(
  file: Pick<ServerFile, 'accessKeyId' | 'secretAccessKey' | 'region' | 'endpoint' | 's3Endpoint'>,
): string {
  return [
    `export AWS_ACCESS_KEY_ID=${quote(file.accessKeyId)}`,
    `export AWS_SECRET_ACCESS_KEY=${quote(file.secretAccessKey)}`,
    `export AWS_DEFAULT_REGION=${quote(file.region)}`,
    `export AWS_ENDPOINT_URL_CODEDEPLOY=${quote(file.endpoint)}`,
    `export AWS_ENDPOINT_URL_S3=${quote(file.s3Endpoint)}`,
    '',
  ].join('\n');
}
