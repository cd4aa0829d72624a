/**
 * Carries a lifecycle event's script to instances: SSM Run Command (AWS-RunShellScript) in AWS,
 * `sh` under a per-host root on the embedded runtime. Completion is reported asynchronously (the SSM
 * command status event, or the local process exit) to `onCommandComplete`, never by a tight poll.
 */
/** SSM's SendCommand takes at most 50 instance ids; every transport keeps that limit, and callers split. */
export const MAX_INSTANCES_PER_COMMAND = 50;

export interface InstanceCommandRequest {
  instanceIds: string[];
  /** The POSIX sh script built by the domain's instance-script builder. */
  script: string;
  /** Seconds before the transport gives up on the whole command. */
  executionTimeoutSeconds: number;
  /** Free text for consoles: `<deploymentId> <lifecycleEvent>`. */
  comment: string;
}

export type InstanceCommandStatus =
  'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled' | 'Undeliverable';

export interface InstanceCommandResult {
  instanceId: string;
  status: InstanceCommandStatus;
  exitCode: number | null;
  /** The script's standard output: its last line is the agent-style diagnostics JSON. */
  stdout: string;
  stderr: string;
}

export interface InstanceTransportPort {
  /** Sends one command per call; callers batch instance ids (SSM takes at most 50 per call). */
  sendCommand(request: InstanceCommandRequest): Promise<{ commandId: string }>;
  /** Per-instance results; instances still running report Pending or InProgress. */
  getCommandResults(commandId: string, instanceIds: readonly string[]): Promise<InstanceCommandResult[]>;
  /**
   * Ends a command still running (a stop, an alarm, a rollback): the script's whole process group is
   * terminated, as the agent's timeout does. A command that already ended is left as it is.
   */
  cancelCommand(commandId: string): Promise<void>;
}
