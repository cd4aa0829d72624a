import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type {
  InstanceCommandRequest,
  InstanceCommandResult,
  InstanceTransportPort,
} from '../../functions/ports/instance-transport.js';
import type { EventProcessRecords } from './event-processes.js';
import type { LocalHost } from './hosts.js';

type Listener = (commandId: string) => void | Promise<unknown>;

/** Output beyond this is dropped: the script's own result is its last stdout line, and logs go to files. */
const MAX_OUTPUT_BYTES = 256 * 1024;

/**
 * Runs lifecycle-event scripts on local hosts: the very script SSM would carry, under `sh`, with the
 * host's root and port in the environment. When every host of a command has finished, listeners hear
 * of it, as the SSM command-status EventBridge rule tells the state machine in AWS.
 */
export class LocalHostTransport implements InstanceTransportPort {
  private readonly hosts = new Map<string, LocalHost>();
  private readonly commands = new Map<string, Map<string, InstanceCommandResult>>();
  private readonly listeners = new Set<Listener>();
  private readonly running = new Set<Promise<unknown>>();
  /** Process-group leaders of each command's scripts still running, for cancelCommand. */
  private readonly processes = new Map<string, Set<number>>();
  private readonly cancelled = new Set<string>();

  constructor(
    hosts: readonly LocalHost[],
    private readonly options: {
      env?: NodeJS.ProcessEnv;
      track?: <T>(work: Promise<T>) => Promise<T>;
      /** Where running scripts' process groups are kept, so that none outlives this process. */
      records?: EventProcessRecords;
    } = {},
  ) {
    for (const host of hosts) this.hosts.set(host.id, host);
  }

  /** A host that joined after the transport was made (an on-premises instance registered later). */
  addHost(host: LocalHost): void {
    this.hosts.set(host.id, host);
  }

  /** A host that was terminated: commands to it are undeliverable from now on. */
  removeHost(id: string): void {
    this.hosts.delete(id);
  }

  onComplete(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async sendCommand(request: InstanceCommandRequest): Promise<{ commandId: string }> {
    const commandId = randomUUID();
    const results = new Map<string, InstanceCommandResult>();
    for (const instanceId of request.instanceIds) {
      results.set(instanceId, { instanceId, status: 'InProgress', exitCode: null, stdout: '', stderr: '' });
    }
    this.commands.set(commandId, results);
    this.processes.set(commandId, new Set());
    const work = Promise.all(
      request.instanceIds.map(async (instanceId) =>
        results.set(instanceId, await this.run(commandId, instanceId, request)),
      ),
    ).then(() => {
      this.processes.delete(commandId);
      return this.notify(commandId);
    });
    const tracked = this.options.track ? this.options.track(work) : work;
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
    return { commandId };
  }

  async getCommandResults(
    commandId: string,
    instanceIds: readonly string[],
  ): Promise<InstanceCommandResult[]> {
    const results = this.commands.get(commandId);
    return instanceIds.map(
      (instanceId) =>
        results?.get(instanceId) ?? {
          instanceId,
          status: 'Undeliverable',
          exitCode: null,
          stdout: '',
          stderr: 'unknown command',
        },
    );
  }

  /** Resolves when every command sent so far has finished and been reported. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async notify(commandId: string): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(commandId);
      } catch (error) {
        console.error(`stepdeploy: handling the completion of command ${commandId} failed:`, error);
      }
    }
  }

  async cancelCommand(commandId: string): Promise<void> {
    const pids = this.processes.get(commandId);
    if (!pids) return; // finished, or never sent here
    this.cancelled.add(commandId);
    // SIGTERM to the script's process group: the script passes it on to the running hook's group.
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }

  /**
   * A shutdown that cannot wait: every running script's process group gets SIGKILL now (its hooks'
   * groups are the records' to end: EventProcessRecords.killAll). Their commands end Cancelled.
   */
  terminateAll(): void {
    for (const [commandId, pids] of this.processes) {
      this.cancelled.add(commandId);
      for (const pid of pids) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }

  private run(
    commandId: string,
    instanceId: string,
    request: InstanceCommandRequest,
  ): Promise<InstanceCommandResult> {
    const host = this.hosts.get(instanceId);
    if (!host) {
      return Promise.resolve({
        instanceId,
        status: 'Undeliverable',
        exitCode: null,
        stdout: '',
        stderr: `no local host ${instanceId}`,
      });
    }
    const records = this.options.records;
    const tmp = hostTemporaryDirectory(host);
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      let child: ChildProcessByStdio<null, Readable, Readable>;
      try {
        mkdirSync(tmp, { recursive: true, mode: 0o700 });
        child = spawn('sh', ['-c', request.script], {
          cwd: host.root,
          env: {
            ...process.env,
            // The host's own temporary directory, beside its root (out of the revisions' reach):
            // what a killed script leaves there stays with the host, not in the machine's.
            TMPDIR: tmp,
            ...this.options.env,
            STEPDEPLOY_HOST_ROOT: host.root,
            STEPDEPLOY_HOST_ID: host.id,
            PORT: String(host.port),
            ...(records ? { STEPDEPLOY_PROCESS_GROUPS: records.file(commandId, instanceId) } : {}),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
          // Its own process group, so a timeout can end everything the script started, as SSM does.
          detached: true,
        });
      } catch (error) {
        // Some spawn failures (a host root that is no longer a directory: ENOTDIR) throw here instead
        // of emitting 'error'; the command must still end, Failed, or its deployment would wait forever.
        resolve({
          instanceId,
          status: 'Failed',
          exitCode: null,
          stdout: '',
          stderr: (error as Error).message,
        });
        return;
      }
      const pid = child.pid;
      if (pid) {
        this.processes.get(commandId)?.add(pid);
        records?.started(commandId, instanceId, pid);
      }
      const append = (current: string, chunk: Buffer) =>
        current.length >= MAX_OUTPUT_BYTES ? current : current + chunk.toString('utf8');
      child.stdout.on('data', (chunk: Buffer) => (stdout = append(stdout, chunk)));
      child.stderr.on('data', (chunk: Buffer) => (stderr = append(stderr, chunk)));
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, request.executionTimeoutSeconds * 1000);
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({
          instanceId,
          status: 'Failed',
          exitCode: null,
          stdout,
          stderr: `${stderr}${error.message}`,
        });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (pid) this.processes.get(commandId)?.delete(pid);
        const status = timedOut
          ? 'TimedOut'
          : this.cancelled.has(commandId) && code !== 0
            ? 'Cancelled'
            : code === 0
              ? 'Success'
              : 'Failed';
        // A script that ended on its own ended its hooks; one that was killed could not, so the
        // groups it recorded are ended here (an app a finished ApplicationStart left is not in them).
        const done = records ? records.finished(commandId, instanceId, code === null) : Promise.resolve();
        void done.then(
          () => resolve({ instanceId, status, exitCode: code, stdout, stderr }),
          () => resolve({ instanceId, status, exitCode: code, stdout, stderr }),
        );
      });
    });
  }
}

/** A host's temporary directory: `hosts/<id>/tmp`, beside its root. */
export function hostTemporaryDirectory(host: LocalHost): string {
  return join(dirname(host.root), 'tmp');
}

/**
 * Removes what lifecycle-event scripts left in the hosts' temporary directories (their
 * `stepdeploy.XXXXXX` directories): only when none of them runs any more, as after a shutdown that
 * had to kill them.
 */
export function removeScriptLeftovers(hosts: readonly LocalHost[]): void {
  for (const host of hosts) {
    const tmp = hostTemporaryDirectory(host);
    let names: string[];
    try {
      names = readdirSync(tmp);
    } catch {
      continue;
    }
    for (const name of names.filter((entry) => entry.startsWith('stepdeploy.'))) {
      rmSync(join(tmp, name), { recursive: true, force: true });
    }
  }
}
