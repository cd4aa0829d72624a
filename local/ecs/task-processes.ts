/**
 * ECS tasks as processes: each container of a task definition runs its command in its image
 * directory, as the leader of its own process group, with PORT set to a free port on 127.0.0.1 (the
 * task's host port for the container the load balancer sends to). Every group is recorded in the
 * state directory with the watcher the lifecycle-event scripts use, so none outlives the stepdeploy
 * process that started it, not even after a kill -9, and the next process that opens the state
 * directory ends whatever a killed watcher left. Output goes to `<state-dir>/ecs/tasks/<task>.log`.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { EventProcessRecords } from '../hosts/event-processes.js';
import { freePort } from '../hosts/hosts.js';
import { hostProcesses, stopHostProcesses } from '../hosts/processes.js';
import type { LocalTask, TaskRunner } from './local-ecs.js';
import type { LocalTaskDefinition } from './task-definitions.js';

/** Where a state directory keeps its tasks' logs and process records. */
export function tasksDirectory(stateDir: string): string {
  return join(stateDir, 'ecs', 'tasks');
}

export class TaskProcesses implements TaskRunner {
  private readonly records: EventProcessRecords;
  private readonly directory: string;
  /** The containers of each running task: the stop ends exactly these groups. */
  private readonly running = new Map<string, string[]>();

  constructor(stateDir: string) {
    this.directory = tasksDirectory(stateDir);
    this.records = new EventProcessRecords(join(this.directory, 'running'));
  }

  /** Ends the task processes an earlier stepdeploy process (and its watcher) left running. */
  async endLeftovers(): Promise<number[]> {
    return this.records.endLeftovers(this.directory);
  }

  start(
    task: LocalTask,
    definition: LocalTaskDefinition,
    containerName: string,
    events: { running(hostPort: number): void; stopped(reason: string): void },
  ): void {
    const containers = definition.containers;
    this.running.set(task.taskId, []);
    void (async () => {
      mkdirSync(this.directory, { recursive: true });
      const log = openSync(join(this.directory, `${task.taskId}.log`), 'a');
      try {
        let hostPort: number | undefined;
        for (const container of containers) {
          const port = await freePort();
          const [program, ...args] = container.argv;
          const child = spawn(program!, args, {
            cwd: container.image,
            detached: true,
            stdio: ['ignore', log, log],
            env: {
              PATH: process.env.PATH ?? '/usr/bin:/bin',
              ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
              ...container.environment,
              PORT: String(port),
              ECS_TASK_ID: task.taskId,
              ECS_CONTAINER_NAME: container.name,
              // The marker every local process carries: leftovers are found (and only they ended) by it.
              STEPDEPLOY_HOST_ROOT: join(this.directory, task.taskId),
            },
          });
          await new Promise<void>((resolve, reject) => {
            child.once('spawn', resolve);
            child.once('error', reject);
          });
          this.records.started(task.taskId, container.name, child.pid!);
          this.running.get(task.taskId)?.push(container.name);
          child.once('exit', (code, signal) => {
            if (this.running.has(task.taskId) && container.essential) {
              events.stopped(`Essential container ${container.name} exited (${signal ?? `code ${code}`})`);
            }
          });
          if (container.name === containerName) hostPort = port;
        }
        if (hostPort === undefined) {
          throw new Error(
            `the task definition ${definition.family}:${definition.revision} has no container ${containerName}`,
          );
        }
        events.running(hostPort);
      } catch (error) {
        events.stopped(`The task could not start: ${(error as Error).message}`);
        await this.stop(task);
      } finally {
        closeSync(log);
      }
    })();
  }

  async stop(task: LocalTask): Promise<void> {
    const containers = this.running.get(task.taskId) ?? [];
    this.running.delete(task.taskId);
    await Promise.all(containers.map((name) => this.records.finished(task.taskId, name, true)));
  }

  /** This process is closing its environment after stopping every task: nothing is left to watch. */
  close(): void {
    this.records.stopWatcher();
  }
}

/** Every task process of the state directory, whatever started it (`stepdeploy hosts stop` for ECS). */
export function ecsTaskProcesses(stateDir: string): number[] {
  return hostProcesses(tasksDirectory(stateDir));
}

export async function stopEcsTaskProcesses(stateDir: string): Promise<number> {
  return stopHostProcesses(tasksDirectory(stateDir));
}
