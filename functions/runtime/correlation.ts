import type { MiddlewareObj } from '@middy/core';
import type { Logger } from './logger.js';

/** What ties a log line to its deployment, its Step Functions execution and its Lambda invocation. */
export interface CorrelationIds {
  deploymentId?: string;
  executionName?: string;
  requestId?: string;
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = Reflect.get(current, key);
  }
  return current;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/**
 * The ids an invocation's input names. Steps take `deploymentId`; Prepare takes the execution name
 * and the request (with the deployment id when stepdeploy started it); Finish takes the whole state.
 */
export function correlationIdsOf(input: unknown, context?: unknown): CorrelationIds {
  const deploymentId =
    text(field(input, 'deploymentId')) ??
    text(field(input, 'request', 'deploymentId')) ??
    text(field(input, 'state', 'deployment', 'deploymentId')) ??
    text(field(input, 'state', 'deploymentId'));
  const executionName = text(field(input, 'executionName'));
  const requestId = text(field(context, 'awsRequestId'));
  return {
    ...(deploymentId ? { deploymentId } : {}),
    ...(executionName ? { executionName } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

/**
 * Middy middleware, as Powertools' injectLambdaContext: before each invocation, the logger's keys are
 * reset to that invocation's correlation ids, so every line it writes (the step's failure, an event
 * handler's result) carries them. Lambda reuses the logger across invocations; the reset keeps one
 * invocation's ids off the next one's lines.
 */
export function injectCorrelationIds<I, O>(logger: Logger): MiddlewareObj<I, O> {
  return {
    name: 'injectCorrelationIds',
    before: (request) => {
      logger.resetKeys();
      logger.appendKeys({ ...correlationIdsOf(request.event, request.context) });
    },
  };
}
