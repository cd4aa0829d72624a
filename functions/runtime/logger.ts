/**
 * One JSON line per entry, so CloudWatch Logs Insights can query the fields. Like Powertools' logger,
 * it keeps keys that every line of an invocation carries (the correlation ids the handler middleware
 * appends: deployment id, execution name, request id), so a line is never read without its context.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Keys every following line carries, until reset. */
  appendKeys(keys: Record<string, unknown>): void;
  resetKeys(): void;
}

export function jsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  let persistent: Record<string, unknown> = {};
  const log =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      write(JSON.stringify({ level, message, ...persistent, ...fields }));
  return {
    info: log('info'),
    error: log('error'),
    appendKeys(keys) {
      persistent = { ...persistent, ...withoutUndefined(keys) };
    },
    resetKeys() {
      persistent = {};
    },
  };
}

function withoutUndefined(keys: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(keys).filter(([, value]) => value !== undefined));
}

/** The logger of this function: the handler middleware appends each invocation's correlation ids to it. */
export const logger: Logger = jsonLogger();
