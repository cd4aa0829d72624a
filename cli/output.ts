/**
 * What the CLI's output does when its reader goes away, and how a failure reads to a user: a message,
 * never a stack.
 */

/**
 * A closed pipe (`stepdeploy list | head -3`, `deploy ... | head`) is not the command's failure: what
 * it writes then goes nowhere, and the command finishes its work (a deployment runs to its end) and
 * exits as it would have. Without a listener, the EPIPE would end the process with a stack trace.
 */
export function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}

/** Errors of a connection to a local server that went away while the command used it. */
const GONE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

export function userMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code && GONE.has(code)) {
    return `the stepdeploy server stopped answering (${error.message}): it was stopped, or its process ended. \`stepdeploy status\` shows where its deployments are; run the command again.`;
  }
  return error.message;
}
