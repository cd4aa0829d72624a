import { randomBytes } from 'node:crypto';
import {
  awsAdapters,
  type AwsAdapters,
  type AwsAdapterSettings,
  type AwsPortName,
} from '../../adapters/aws/aws-adapters.js';
import type { FlowId } from '../../domain/flows.js';
import { ENV, requiredEnv } from '../../runtime/env.js';
import { DEFAULT_SETTINGS, type LocalDeps } from '../../steps/deps.js';

/** The deps a handler's step receives: exactly its AWS ports, plus clock, random and settings. */
export type AwsStepDeps<P extends AwsPortName> = Pick<AwsAdapters, P> & LocalDeps;

const cache = new Map<string, unknown>();

/**
 * The step's ports bound to AWS, built once per Lambda container (clients reuse their connections).
 * Only the named ports are built, and settings are read when a port needs them: a function without
 * the deployment records needs no table name.
 */
export function awsStepDeps<P extends AwsPortName>(
  ports: readonly P[],
  env: NodeJS.ProcessEnv = process.env,
): AwsStepDeps<P> {
  const key = [...ports].sort().join(',');
  // The key names exactly the ports the entry was built with, so its type is AwsStepDeps<P>.
  let deps = cache.get(key) as AwsStepDeps<P> | undefined;
  if (!deps) {
    deps = {
      ...awsAdapters(adapterSettings(env), ports),
      clock: { now: () => new Date() },
      random: { bytes: (length) => new Uint8Array(randomBytes(length)) },
      settings: {
        ...DEFAULT_SETTINGS,
        ...(env[ENV.hookFunctionPrefix] ? { hookFunctionPrefix: env[ENV.hookFunctionPrefix] } : {}),
      },
    };
    cache.set(key, deps);
  }
  return deps;
}

function adapterSettings(env: NodeJS.ProcessEnv): AwsAdapterSettings {
  return {
    // Getters: a setting is required only when the port that needs it is built.
    get tableName() {
      return requiredEnv(ENV.tableName, env);
    },
    eventBusName: env[ENV.eventBusName] || 'default',
    get stateMachineArns() {
      return stateMachineArnsOf(requiredEnv(ENV.stateMachineArns, env));
    },
  };
}

/** The `{ "<flow id>": "<state machine ARN>" }` map the stack sets, checked as it is read. */
export function stateMachineArnsOf(json: string): Partial<Record<FlowId, string>> {
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError(`${ENV.stateMachineArns} is not a JSON object of flow id -> state machine ARN.`);
  }
  const arns: Partial<Record<string, string>> = {};
  for (const [id, arn] of Object.entries(parsed)) {
    if (typeof arn !== 'string')
      throw new TypeError(`${ENV.stateMachineArns}: the ARN of ${id} is not a string.`);
    arns[id] = arn;
  }
  return arns;
}
