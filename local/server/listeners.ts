/**
 * Starts the listeners of `stepdeploy server` that do not depend on the engine's wiring: the
 * CodeDeploy-compatible API (with the control plane on the records database) and the S3 endpoint, both
 * on 127.0.0.1 and both requiring a signature made with the state directory's key, and writes
 * `<state-dir>/server.json`. The server (server.ts) composes them with the engine.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { dynamoDbControlPlaneStores } from '../../functions/adapters/aws/dynamodb-control-plane.js';
import type { CodeDeployUseCases, ControlPlane } from '../../functions/api/codedeploy-api.js';
import type { DeploymentUseCases } from '../../functions/api/deployments.js';
import type { OnPremisesHostProvisioner } from '../../functions/ports/on-premises-hosts.js';
import { startApiListener, type LocalOperations } from './api-listener.js';
import { localHostProvisioner } from './on-premises-hosts.js';
import { startS3Endpoint, type CreatedObject } from './s3-endpoint.js';
import {
  DEFAULT_REGION,
  loadOrCreateServerKey,
  writeServerFile,
  type ServerFile,
  type ServerKey,
} from './server-file.js';

export interface ControlPlaneListenersOptions {
  stateDir: string;
  /** The records database (dynalite on its private socket). */
  database: { client: Parameters<typeof dynamoDbControlPlaneStores>[0]; tableName: string };
  /** The deployment operations' use cases (the embedded engine's). */
  deployments: DeploymentUseCases;
  region?: string;
  /** Ports of the API and of S3; 0 (the default) picks free ones. */
  apiPort?: number;
  s3Port?: number;
  /** Defaults to creating `<state-dir>/hosts/<instance-name>/root`. */
  hosts?: OnPremisesHostProvisioner;
  onObjectCreated?(object: CreatedObject): void | Promise<void>;
  describeGroupDeployments?: ControlPlane['describeGroupDeployments'];
  activeDeploymentsUsingConfig?: ControlPlane['activeDeploymentsUsingConfig'];
  /** Items per page of the List operations (tests use small pages to see pagination). */
  pageSize?: number;
  /** The server's own operations beside CodeDeploy's (the local ECS service's). */
  localOperations?: LocalOperations;
  /** Where unexpected failures are reported (stderr by default). */
  onInternalError?(error: unknown, operation: string): void;
  now?: () => Date;
}

export interface ControlPlaneListeners {
  endpoint: string;
  s3Endpoint: string;
  key: ServerKey;
  serverFile: ServerFile;
  controlPlane: ControlPlane;
  /** What the API serves, as it calls it (tests call it in process). */
  useCases: CodeDeployUseCases;
  close(): Promise<void>;
}

export async function startControlPlaneListeners(
  options: ControlPlaneListenersOptions,
): Promise<ControlPlaneListeners> {
  const stateDir = resolve(options.stateDir);
  const key = loadOrCreateServerKey(stateDir, options.region ?? DEFAULT_REGION);
  const clock = { now: options.now ?? (() => new Date()) };
  const controlPlane: ControlPlane = {
    ...dynamoDbControlPlaneStores(options.database.client, options.database.tableName),
    clock,
    newId: randomUUID,
    region: key.region,
    hosts: options.hosts ?? localHostProvisioner(stateDir),
    ...(options.describeGroupDeployments
      ? { describeGroupDeployments: options.describeGroupDeployments }
      : {}),
    ...(options.activeDeploymentsUsingConfig
      ? { activeDeploymentsUsingConfig: options.activeDeploymentsUsingConfig }
      : {}),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  };
  const useCases: CodeDeployUseCases = {
    ...options.deployments,
    controlPlane,
    onInternalError:
      options.onInternalError ??
      ((error, operation) =>
        process.stderr.write(
          `stepdeploy API: ${operation} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        )),
  };
  const api = await startApiListener({
    useCases,
    key,
    ...(options.localOperations ? { localOperations: options.localOperations } : {}),
    ...(options.apiPort ? { port: options.apiPort } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  let s3;
  try {
    s3 = await startS3Endpoint({
      stateDir,
      key,
      ...(options.s3Port ? { port: options.s3Port } : {}),
      ...(options.onObjectCreated ? { onObjectCreated: options.onObjectCreated } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  } catch (error) {
    await api.close();
    throw error;
  }
  const serverFile: ServerFile = {
    ...key,
    endpoint: api.url,
    s3Endpoint: s3.url,
    pid: process.pid,
    loadBalancers: {},
    listeners: {},
  };
  writeServerFile(stateDir, serverFile);
  return {
    endpoint: api.url,
    s3Endpoint: s3.url,
    key,
    serverFile,
    controlPlane,
    useCases,
    async close() {
      await api.close();
      await s3.close();
    },
  };
}
