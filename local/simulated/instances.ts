/**
 * A simulated fleet of EC2/on-premises instances behind the InstanceTransportPort, as SSM Run Command
 * carries scripts to them: a command runs on each of its instances for a configurable time, on the
 * runtime's clock (so a fleet of any size runs in compressed time), ends Success or Failed with the
 * agent's diagnostics line, and reports its completion once its last instance ended, as SSM's
 * "Command Status-change" event does. Completions may be dropped, to rehearse a lost event.
 */
import { randomUUID } from 'node:crypto';
import type {
  InstanceCommandRequest,
  InstanceCommandResult,
  InstanceCommandStatus,
  InstanceTransportPort,
} from '../../functions/ports/instance-transport.js';
import type { SimulationTimers } from './timers.js';

export interface SimulatedFleetOptions {
  timers: SimulationTimers;
  /** Seconds one lifecycle event takes on one instance (default 2 s). */
  eventSeconds?: (event: string, instanceId: string) => number;
  /** Whether the event's script fails on that instance (default: never). */
  fails?: (event: string, instanceId: string) => boolean;
  /** Whether the completion of this command (its n-th, from 1) is never reported (default: never). */
  dropsCompletion?: (commandNumber: number) => boolean;
  /** Called as each command is sent (tests use it to act at a given point of a deployment). */
  onCommand?: (event: string, instanceIds: readonly string[]) => void;
}

interface Invocation {
  status: InstanceCommandStatus;
  exitCode: number | null;
  stdout: string;
}

interface SimulatedCommand {
  event: string;
  invocations: Map<string, Invocation>;
  cancelTimers: Array<() => void>;
  running: number;
}

const diagnostics = (code: number, message: string): string =>
  `${JSON.stringify({ error_code: code, script_name: code === 0 ? '' : 'scripts/simulated.sh', message, log: '' })}\n`;

export class SimulatedInstanceTransport implements InstanceTransportPort {
  /** Every command sent, in order: its event and instances. */
  readonly sent: Array<{ commandId: string; event: string; instanceIds: string[] }> = [];
  private readonly commands = new Map<string, SimulatedCommand>();
  private readonly listeners = new Set<(commandId: string) => Promise<unknown> | void>();

  constructor(private readonly options: SimulatedFleetOptions) {}

  /** Called with the command id when a command's last instance ended (unless the event is dropped). */
  onComplete(listener: (commandId: string) => Promise<unknown> | void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async sendCommand(request: InstanceCommandRequest): Promise<{ commandId: string }> {
    // RunLifecycleEvent's comment is `<deploymentId> <lifecycle event>`.
    const event = request.comment.split(' ')[1] ?? '';
    const commandId = randomUUID();
    const command: SimulatedCommand = {
      event,
      invocations: new Map(),
      cancelTimers: [],
      running: request.instanceIds.length,
    };
    this.commands.set(commandId, command);
    this.sent.push({ commandId, event, instanceIds: [...request.instanceIds] });
    const number = this.sent.length;
    this.options.onCommand?.(event, request.instanceIds);
    const { timers } = this.options;
    for (const instanceId of request.instanceIds) {
      command.invocations.set(instanceId, { status: 'InProgress', exitCode: null, stdout: '' });
      const seconds = this.options.eventSeconds?.(event, instanceId) ?? 2;
      command.cancelTimers.push(
        timers.setTimer(seconds * 1000, () => {
          const failed = this.options.fails?.(event, instanceId) === true;
          command.invocations.set(instanceId, {
            status: failed ? 'Failed' : 'Success',
            exitCode: failed ? 1 : 0,
            stdout: failed
              ? diagnostics(4, `Script at specified location: scripts/simulated.sh failed with exit code 1`)
              : diagnostics(0, 'Succeeded: '),
          });
          command.running--;
          if (command.running === 0 && this.options.dropsCompletion?.(number) !== true) {
            for (const listener of this.listeners) void timers.track(Promise.resolve(listener(commandId)));
          }
        }),
      );
    }
    return { commandId };
  }

  async getCommandResults(
    commandId: string,
    instanceIds: readonly string[],
  ): Promise<InstanceCommandResult[]> {
    const command = this.commands.get(commandId);
    return instanceIds.map((instanceId) => {
      const invocation = command?.invocations.get(instanceId);
      return {
        instanceId,
        status: invocation?.status ?? 'Undeliverable',
        exitCode: invocation?.exitCode ?? null,
        stdout: invocation?.stdout ?? '',
        stderr: '',
      };
    });
  }

  async cancelCommand(commandId: string): Promise<void> {
    const command = this.commands.get(commandId);
    if (!command) return;
    for (const cancel of command.cancelTimers) cancel();
    for (const [id, invocation] of command.invocations) {
      if (invocation.status === 'InProgress')
        command.invocations.set(id, { status: 'Cancelled', exitCode: null, stdout: '' });
    }
  }
}
