/**
 * Deployment configs as `deploy` and `simulate` take them with `--config`: a predefined
 * `CodeDeployDefault.*` config (the prefix may be left out), or a custom one made with `stepdeploy
 * config create` (CreateDeploymentConfig), which the service it deploys through is asked about
 * before anything is touched.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CodeDeployService } from '../../functions/adapters/aws/codedeploy-service.js';
import type { ComputePlatform } from '../../functions/domain/codedeploy-shapes.js';
import {
  getPredefinedConfig,
  PREDEFINED_DEPLOYMENT_CONFIGS,
  type DeploymentConfigInfo,
} from '../../functions/domain/deployment-configs.js';
import { UsageError } from '../exit-codes.js';
import { errorName } from '../service.js';

const FLAGS: Record<ComputePlatform, string> = {
  Server: '--platform server --minimum-healthy-hosts N|N%',
  Lambda: '--platform lambda --canary PERCENT:MINUTES',
  ECS: '--platform ecs --canary PERCENT:MINUTES',
};

/** "a Server", "an ECS". */
function aPlatform(platform: ComputePlatform): string {
  return `${platform === 'ECS' ? 'an' : 'a'} ${platform}`;
}

function predefinedNames(platform: ComputePlatform): string {
  return PREDEFINED_DEPLOYMENT_CONFIGS.filter((c) => c.computePlatform === platform)
    .map((c) => c.deploymentConfigName)
    .join(', ');
}

/**
 * The predefined config of that name for the platform (the prefix may be left out); undefined for
 * any other name, which can only be a custom config; a predefined config of another platform is a
 * usage error.
 */
export function predefinedConfig(name: string, platform: ComputePlatform): DeploymentConfigInfo | undefined {
  const config = getPredefinedConfig(name) ?? getPredefinedConfig(`CodeDeployDefault.${name}`);
  if (!config && !name.startsWith('CodeDeployDefault.')) return undefined;
  if (config?.computePlatform !== platform) {
    throw new UsageError(
      `unknown ${platform} deployment config ${name}: it is not ${aPlatform(platform)} config; use one of ${predefinedNames(platform)}, or a custom ${platform} config (stepdeploy config create NAME ${FLAGS[platform]}).`,
    );
  }
  return config;
}

/** What a custom config's absence or platform says to the user: the flag, and the fix. */
export function unknownConfig(name: string, platform: ComputePlatform): UsageError {
  return new UsageError(
    `--config ${name}: there is no deployment config of that name. Create it (stepdeploy config create ${name} ${FLAGS[platform]}) or use one of ${predefinedNames(platform)}.`,
  );
}

export function wrongPlatform(name: string, has: string, platform: ComputePlatform): UsageError {
  return new UsageError(
    `--config ${name} is a ${has} deployment config, and this is ${aPlatform(platform)} deployment: use ${aPlatform(platform)} config (${predefinedNames(platform)}, or your own made with --platform ${platform.toLowerCase()}).`,
  );
}

/**
 * The config `deploy` deploys with, checked against the service it deploys through: a predefined
 * one by its full name, a custom one as GetDeploymentConfig describes it.
 */
export async function checkConfigOnService(
  service: Pick<CodeDeployService, 'send'>,
  name: string,
  platform: ComputePlatform,
): Promise<DeploymentConfigInfo> {
  const predefined = predefinedConfig(name, platform);
  if (predefined) return predefined;
  try {
    const { deploymentConfigInfo: info } = await service.send('GetDeploymentConfig', {
      deploymentConfigName: name,
    });
    if (info?.computePlatform !== platform) throw wrongPlatform(name, info?.computePlatform ?? '?', platform);
    return {
      deploymentConfigName: name,
      computePlatform: platform,
      ...(info.minimumHealthyHosts
        ? {
            minimumHealthyHosts: info.minimumHealthyHosts as NonNullable<
              DeploymentConfigInfo['minimumHealthyHosts']
            >,
          }
        : {}),
      ...(info.trafficRoutingConfig
        ? {
            trafficRoutingConfig: info.trafficRoutingConfig as NonNullable<
              DeploymentConfigInfo['trafficRoutingConfig']
            >,
          }
        : {}),
    };
  } catch (error) {
    const code = errorName(error);
    if (code === 'DeploymentConfigDoesNotExistException' || code === 'InvalidDeploymentConfigNameException') {
      throw unknownConfig(name, platform);
    }
    throw error;
  }
}

/** The three config operations `config create`, `config delete` and the lookups need. */
export type ConfigOperations = Pick<CodeDeployService, 'send'> & { close(): Promise<void> };

/**
 * Where a state directory's custom configs are: `--endpoint-url`, or the server running for the
 * state directory (through CodeDeploy's API); with no server running, its records opened in this
 * process and the API's own CreateDeploymentConfig, GetDeploymentConfig and DeleteDeploymentConfig
 * run on them (the same records and checks, without starting a server and its hosts and tasks).
 * With `onlyIfRecords`, a state directory without records (no config can be there) is undefined.
 */
export async function openConfigOperations(options: {
  stateDir: string;
  endpointUrl?: string;
  onlyIfRecords?: boolean;
}): Promise<ConfigOperations | undefined> {
  const service = await import('../service.js');
  const found = await service.connectForCommand({
    stateDir: options.stateDir,
    ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
    purpose: 'config',
  });
  const { connection, lock } = found;
  if (connection) {
    return { send: (op, input) => connection.codedeploy.send(op, input), close: () => connection.close() };
  }
  const dir = resolve(options.stateDir);
  if (options.onlyIfRecords && !existsSync(join(dir, 'records'))) {
    await lock.release();
    return undefined;
  }
  try {
    return await openRecordsConfigOperations(dir, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** The API's config operations on the state directory's records, opened in this process (its lock held). */
async function openRecordsConfigOperations(
  dir: string,
  lock: { release(): Promise<unknown> },
): Promise<ConfigOperations> {
  const [{ randomUUID }, { startLocalDatabase }, { recoverInterruptedDeployments }, stores, api, info] =
    await Promise.all([
      import('node:crypto'),
      import('../../local/runtime/dynalite.js'),
      import('../../local/runtime/recover.js'),
      import('../../functions/adapters/aws/dynamodb-control-plane.js'),
      import('../../functions/api/deployment-configs.js'),
      import('../../functions/api/deployment-info.js'),
    ]);
  const database = await startLocalDatabase({ path: join(dir, 'records') });
  // A deployment an ended process left unfinished must not keep its config in use.
  await recoverInterruptedDeployments(database.store, new Date());
  const controlPlane = {
    ...stores.dynamoDbControlPlaneStores(database.client, database.tableName),
    clock: { now: () => new Date() },
    newId: randomUUID,
    region: 'us-east-1',
    activeDeploymentsUsingConfig: info.activeDeploymentsFrom(database.store),
  };
  const operations = api.deploymentConfigOperations();
  return {
    send: async (op, input) => {
      const entry = operations[op];
      if (!entry) throw new Error(`${op} is not a deployment config operation.`);
      return (await entry.handler(input as never, controlPlane)) as never;
    },
    close: async () => {
      await database.close();
      await lock.release();
    },
  };
}

/**
 * A config by name for `simulate`: a predefined one, or a custom one read from the state directory
 * (the simulation then deploys with it, as Prepare would resolve it).
 */
export async function lookUpConfig(
  name: string,
  platform: ComputePlatform,
  where: { stateDir: string; endpointUrl?: string },
): Promise<DeploymentConfigInfo> {
  const predefined = predefinedConfig(name, platform);
  if (predefined) return predefined;
  const operations = await openConfigOperations({ ...where, onlyIfRecords: true });
  if (!operations) throw unknownConfig(name, platform);
  try {
    return await checkConfigOnService(operations, name, platform);
  } finally {
    await operations.close();
  }
}
