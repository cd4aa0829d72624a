/**
 * Ctrl-C (SIGINT) and SIGTERM for the commands that run something. The first signal stops: the
 * deployments end as StopDeployment ends them (their scripts' process groups ended, their events
 * Stopped), whatever this process started for them closes (its server: API, S3 endpoint, engine,
 * records, load balancers), and the process exits 130 (SIGTERM: 143), within EXIT_DEADLINE_MS
 * whatever happens. A second signal exits at once: what is left is the next command's to recover (the
 * state directory's lock is the kernel's and goes with the process, the event watcher ends the
 * scripts, the next command to open the directory ends what the watcher could not).
 */
import { markServerStopped, readServerFile } from '../local/server/server-file.js';
import type { ServiceConnection } from './service.js';

/** The first signal's work gets this long; then the process exits anyway. */
export const EXIT_DEADLINE_MS = 4800;
/** How long stopped deployments get to end as Stopped before their scripts are killed. */
export const STOP_WITHIN_MS = 3600;

let interrupted = false;

/** Whether a signal is being handled: the command's own path then stays quiet about what fails. */
export function wasInterrupted(): boolean {
  return interrupted;
}

export const signalExitCode = (signal: NodeJS.Signals): number => (signal === 'SIGTERM' ? 143 : 130);

export interface SignalHandling {
  dispose(): void;
}

/**
 * Runs `stop` on the first SIGINT or SIGTERM, then exits with `exitCode(signal)` (130 after SIGINT,
 * 143 after SIGTERM, unless told otherwise); `atOnce` (sync: nothing can be awaited any more) runs
 * before an exit that cannot wait: a second signal, or the deadline.
 */
export function handleSignals(
  stop: (signal: NodeJS.Signals) => Promise<void>,
  options: { atOnce?: () => void; exitCode?: (signal: NodeJS.Signals) => number } = {},
): SignalHandling {
  const exitCodeOf = options.exitCode ?? signalExitCode;
  let code: number | undefined;
  const exitNow = (exitCode: number) => {
    try {
      options.atOnce?.();
    } finally {
      process.exit(exitCode);
    }
  };
  const handler = (signal: NodeJS.Signals) => {
    if (code !== undefined) return exitNow(code);
    interrupted = true;
    const chosen = exitCodeOf(signal);
    code = chosen;
    // Whatever the command's own path sets on its way out, the signal decides the exit code.
    process.on('exit', () => (process.exitCode = chosen));
    setTimeout(() => exitNow(chosen), EXIT_DEADLINE_MS).unref();
    void stop(signal).then(
      () => process.exit(chosen),
      () => process.exit(chosen),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `deploy`'s signals. With its own server, every deployment on it is stopped and the server closes
 * (other commands' deployments too: the engine running them lives in this process). Through a running
 * server or the AWS API, the deployment this command started is stopped and followed to its end
 * (within the deadline); the server runs on.
 */
export function onInterrupt(
  connection: ServiceConnection,
  started: () => string | undefined,
): SignalHandling {
  return handleSignals(
    async (signal) => {
      const server = connection.server;
      const what = started() ?? 'the deployment';
      console.error(
        `\nstepdeploy: interrupted: stopping ${what}; ${signalName(signal)} again exits at once.`,
      );
      if (server) {
        const stopped = await server.shutdown({ withinMs: STOP_WITHIN_MS });
        if (stopped.length > 0) console.error(`stepdeploy: stopped ${stopped.join(', ')}.`);
        return;
      }
      const deadline = Date.now() + STOP_WITHIN_MS;
      let deploymentId = started();
      // CreateDeployment may be on its way: its deployment is stopped as soon as it has an id.
      while (!deploymentId && Date.now() < deadline - 2500) {
        await sleep(50);
        deploymentId = started();
      }
      if (!deploymentId) return;
      const service = connection.codedeploy;
      try {
        await service.send('StopDeployment', { deploymentId, autoRollbackEnabled: false });
      } catch {
        // It ended meanwhile (DeploymentAlreadyCompletedException), or the service is gone.
      }
      while (Date.now() < deadline) {
        const info = await service
          .send('GetDeployment', { deploymentId })
          .then((answer) => answer.deploymentInfo?.status)
          .catch(() => undefined);
        if (info === 'Stopped' || info === 'Failed' || info === 'Succeeded') {
          console.error(`stepdeploy: ${deploymentId} ${info === 'Stopped' ? 'stopped' : `ended: ${info}`}.`);
          break;
        }
        await sleep(100);
      }
      await connection.close().catch(() => undefined);
    },
    { atOnce: () => connection.server && abandonServerFile(connection.server.stateDir) },
  );
}

const signalName = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 'Ctrl-C' : signal);

/**
 * An exit that cannot wait: server.json stops naming this process' server, so the next command does
 * not even try it (it would find it gone all the same).
 */
export function abandonServerFile(stateDir: string): void {
  if (readServerFile(stateDir)?.pid === process.pid) markServerStopped(stateDir);
}
