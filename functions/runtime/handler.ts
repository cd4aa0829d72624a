import middy from '@middy/core';
import { injectCorrelationIds } from './correlation.js';
import { logger as functionLogger, type Logger } from './logger.js';

/**
 * Wraps a step as a Lambda handler. Every log line of an invocation carries its correlation ids
 * (injectCorrelationIds). Errors are logged and re-thrown unchanged: their `name` is what the state
 * machine's Retry and Catch match, so nothing here may turn an error into a success.
 */
export function stepHandler<I, O>(
  stepName: string,
  step: (input: I) => Promise<O>,
  logger: Logger = functionLogger,
) {
  return middy<I, O>()
    .use(injectCorrelationIds(logger))
    .handler(async (input) => step(input))
    .onError(async (request) => {
      const error = request.error;
      logger.error('step failed', { step: stepName, errorName: error?.name, errorMessage: error?.message });
    });
}
