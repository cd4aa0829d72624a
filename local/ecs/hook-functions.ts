/**
 * ECS hook functions on this machine. A hook named in the AppSpec (`CodeDeployHook_smokeTest`) is a
 * program beside it: `hooks/<name>.js` or `hooks/<name>.mjs` (run with this Node.js) or an executable
 * `hooks/<name>`, relative to the AppSpec's directory. It is invoked asynchronously, as CodeDeploy
 * invokes a Lambda hook: with the payload `{DeploymentId, LifecycleEventHookExecutionId}` on its
 * standard input and in HOOK_PAYLOAD, the service's listener URLs in PRODUCTION_URL and TEST_URL,
 * and it answers by its exit status, which this invoker turns into the
 * PutLifecycleEventHookExecutionStatus call a Lambda hook makes itself: 0 is Succeeded, anything else
 * Failed. A hook past its deadline (one hour, CodeDeploy's) is ended with its process group and
 * answered Failed. Output goes to `<state-dir>/ecs/hooks/<deployment>.log`.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { HookInvocationPayload, HookInvokerPort } from '../../functions/ports/hook-invoker.js';
import { ResourceNotFoundError } from '../../functions/domain/deployment-errors.js';
import { endProcessGroups } from '../hosts/event-processes.js';

export interface HookContext {
  /** The directory of the deployment's AppSpec, where its hook programs are. */
  directory: string;
  /** Environment the hook gets besides the payload (the listener URLs). */
  environment: Record<string, string>;
}

export interface LocalHookFunctionsOptions {
  logDirectory: string;
  /** Where the hooks of a deployment are, and what they are told. */
  contextOf(deploymentId: string): Promise<HookContext | undefined>;
  /** The PutLifecycleEventHookExecutionStatus a hook function calls. */
  answer(deploymentId: string, hookExecutionId: string, status: 'Succeeded' | 'Failed'): Promise<unknown>;
  deadlineMs?: number;
}

export class LocalHookFunctions implements HookInvokerPort {
  private readonly running = new Set<Promise<void>>();
  /** The process groups of the hooks running now (each hook leads its own). */
  private readonly groups = new Set<number>();
  private closed = false;

  constructor(private readonly options: LocalHookFunctionsOptions) {}

  async invokeHook(functionName: string, payload: HookInvocationPayload): Promise<void> {
    const context = await this.options.contextOf(payload.DeploymentId);
    const program = context ? programOf(context.directory, functionName) : undefined;
    if (!context || !program) {
      // Lambda answers an Invoke of a function that does not exist with ResourceNotFoundException.
      throw new ResourceNotFoundError(
        `lambda.Invoke (${functionName}): ResourceNotFoundException: no hook program hooks/${functionName}.js, .mjs or executable hooks/${functionName} beside the AppSpec${context ? ` in ${context.directory}` : ''}.`,
        functionName,
      );
    }
    const run = this.run(program, context, payload).catch((error: unknown) => {
      // The deployment ended (stopped, timed out) before the hook answered: nothing waits for it.
      if (error instanceof Error && error.name === 'LifecycleEventAlreadyCompletedException') return;
      console.error(
        `hook ${functionName}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Resolves once every hook started so far has answered. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /**
   * The process is closing: hooks still running end with their process groups (SIGTERM, SIGKILL
   * 3 s later) and answer nothing; the deployment that waited on them ends with the process.
   */
  async close(): Promise<void> {
    this.closed = true;
    await endProcessGroups([...this.groups]);
    await this.idle();
  }

  private async run(argv: string[], context: HookContext, payload: HookInvocationPayload): Promise<void> {
    mkdirSync(this.options.logDirectory, { recursive: true });
    const log = openSync(join(this.options.logDirectory, `${payload.DeploymentId}.log`), 'a');
    const json = JSON.stringify(payload);
    let status: 'Succeeded' | 'Failed' = 'Failed';
    try {
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd: context.directory,
        detached: true,
        stdio: ['pipe', log, log],
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          ...context.environment,
          HOOK_PAYLOAD: json,
        },
      });
      child.stdin?.end(json);
      child.stdin?.on('error', () => undefined);
      if (child.pid) this.groups.add(child.pid);
      const deadline = setTimeout(() => {
        if (child.pid) void endProcessGroups([child.pid]);
      }, this.options.deadlineMs ?? 3_600_000);
      const code = await new Promise<number | null>((resolve) => {
        child.once('error', () => resolve(null));
        child.once('exit', (exitCode) => resolve(exitCode));
      });
      clearTimeout(deadline);
      if (child.pid) this.groups.delete(child.pid);
      status = code === 0 ? 'Succeeded' : 'Failed';
    } finally {
      closeSync(log);
    }
    if (this.closed) return;
    await this.options.answer(payload.DeploymentId, payload.LifecycleEventHookExecutionId, status);
  }
}

function programOf(directory: string, functionName: string): string[] | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(functionName)) return undefined;
  for (const extension of ['.js', '.mjs']) {
    const file = join(directory, 'hooks', `${functionName}${extension}`);
    if (existsSync(file)) return [process.execPath, file];
  }
  const file = join(directory, 'hooks', functionName);
  try {
    if (statSync(file).isFile() && (statSync(file).mode & 0o111) !== 0) return [file];
  } catch {
    // no such program
  }
  return undefined;
}
