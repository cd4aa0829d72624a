import { randomBytes } from 'node:crypto';
import {
  awsAdapters,
  type AwsAdapters,
  type AwsAdapterSettings,
  type AwsPortName,
} from '../adapters/aws/aws-adapters.js';
import { ENV, requiredEnv } from '../runtime/env.js';
import { DEFAULT_SETTINGS, type StepDeps } from '../steps/deps.js';

/** What every function gets besides its AWS ports: none of them calls AWS. */
type LocalDeps = Pick<StepDeps, 'clock' | 'random' | 'settings'>;

/** The deps a handler's step receives: exactly its AWS ports, plus clock, random and settings. */
export type AwsStepDeps<P extends AwsPortName> = Pick<AwsAdapters, P> & LocalDeps;

/**
 * The AWS ports a step's deps name: `StepPorts<typeof finish>` is `'store' | 'events'`. A handler's
 * `ports` list is exactly this set, which is what the stack grants IAM actions for.
 */
export type StepPorts<F extends (deps: never) => unknown> = Extract<keyof Parameters<F>[0], AwsPortName>;

/**
 * Checks at compile time that a handler's port list is exactly what its step uses:
 * `portsOf<typeof finish>()(['store', 'events'])`. An extra port is not assignable to the element
 * type; a missing one leaves `missingPorts` unsatisfied (the error names the missing ports).
 */
export function portsOf<F extends (deps: never) => unknown>() {
  return <const T extends readonly StepPorts<F>[]>(
    ports: T &
      ([Exclude<StepPorts<F>, T[number]>] extends [never]
        ? unknown
        : { missingPorts: Exclude<StepPorts<F>, T[number]> }),
  ): T => ports;
}

const cache = new Map<string, unknown>();

/**
 * The step's ports bound to AWS, built once per Lambda container (clients reuse their connections).
 * Only the named ports are built, and settings are read when a port needs them: a function without
 * the store needs no table name.
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
    // A getter: the table name is required only when the store is built.
    get tableName() {
      return requiredEnv(ENV.tableName, env);
    },
    eventBusName: env[ENV.eventBusName] || 'default',
    stateMachineArns: {
      ...(env[ENV.lambdaStateMachineArn] ? { Lambda: env[ENV.lambdaStateMachineArn] } : {}),
      ...(env[ENV.serverStateMachineArn] ? { Server: env[ENV.serverStateMachineArn] } : {}),
    },
  };
}
