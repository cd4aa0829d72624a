import { randomBytes } from 'node:crypto';
import { awsAdapters } from '../adapters/aws/aws-adapters.js';
import { ENV, requiredEnv } from '../runtime/env.js';
import { DEFAULT_SETTINGS, type StepDeps } from '../steps/deps.js';

let cached: StepDeps | undefined;

/** The steps' ports bound to AWS, built once per Lambda container (clients reuse their connections). */
export function awsStepDeps(env: NodeJS.ProcessEnv = process.env): StepDeps {
  cached ??= {
    ...awsAdapters({
      tableName: requiredEnv(ENV.tableName, env),
      eventBusName: env[ENV.eventBusName] || 'default',
      stateMachineArns: {
        ...(env[ENV.lambdaStateMachineArn] ? { Lambda: env[ENV.lambdaStateMachineArn] } : {}),
        ...(env[ENV.serverStateMachineArn] ? { Server: env[ENV.serverStateMachineArn] } : {}),
      },
    }),
    clock: { now: () => new Date() },
    random: { bytes: (length) => new Uint8Array(randomBytes(length)) },
    settings: {
      ...DEFAULT_SETTINGS,
      ...(env[ENV.hookFunctionPrefix] ? { hookFunctionPrefix: env[ENV.hookFunctionPrefix] } : {}),
    },
  };
  return cached;
}
