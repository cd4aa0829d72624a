import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  type CommandInvocation,
  type SendCommandCommandInput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { InvalidArgumentError } from '../../domain/errors.js';
import {
  MAX_INSTANCES_PER_COMMAND,
  type InstanceCommandRequest,
  type InstanceCommandResult,
  type InstanceCommandStatus,
  type InstanceTransportPort,
} from '../../ports/instance-transport.js';
import { AwsServiceError, callAws, ResourceNotFoundError } from './errors.js';

/** What SsmInstanceTransport calls; the stack grants exactly these (checked by iam-actions.test.ts). */
export const SSM_TRANSPORT_IAM_ACTIONS = [
  'ssm:SendCommand',
  'ssm:CancelCommand',
  'ssm:ListCommandInvocations',
  'ssm:GetCommandInvocation',
] as const;

/** SendCommand's Comment is at most 100 characters. */
export const MAX_COMMENT_LENGTH = 100;
/** How long SSM keeps trying to deliver the command to an instance that is not reachable (its default). */
export const DELIVERY_TIMEOUT_SECONDS = 600;
/** AWS-RunShellScript's executionTimeout accepts 1..172800 seconds (48 hours). */
export const MAX_EXECUTION_TIMEOUT_SECONDS = 172_800;

const DOCUMENT_NAME = 'AWS-RunShellScript';

/** What the SSM agent puts into a plugin's inline Output (amazon-ssm-agent `TruncateOutput`). */
const STDERR_SEPARATOR = '\n----------ERROR-------\n';
const STDOUT_TRUNCATED = '\n---Output truncated---';
const STDERR_TRUNCATED = '\n---Error truncated----';

export interface SsmInstanceTransportOptions {
  /** Full stdout/stderr go to this bucket as well (the inline output is truncated). */
  outputS3Bucket?: string;
  /** Full output also streams to this CloudWatch Logs group. */
  cloudWatchLogGroup?: string;
}

/**
 * SSM's statuses to the port's. `StatusDetails` is more precise than `Status` (an Undeliverable
 * invocation has Status Failed, a delivery timeout Status TimedOut), so it is looked at first.
 * Detailed statuses come spelled with spaces in some places ("Delivery Timed Out"); spaces and case
 * are ignored. An unknown status counts as Failed: it ends the wait instead of hanging it.
 */
export function instanceCommandStatusOf(status: string | undefined, details?: string): InstanceCommandStatus {
  const detailed = DETAILED_STATUSES[normalized(details)];
  if (detailed !== undefined) return detailed;
  return STATUSES[normalized(status)] ?? 'Failed';
}

function normalized(status: string | undefined): string {
  return (status ?? '').replace(/\s+/g, '').toLowerCase();
}

const STATUSES: Record<string, InstanceCommandStatus> = {
  pending: 'Pending',
  inprogress: 'InProgress',
  // Delayed: SSM could not reach the instance yet and keeps retrying until the delivery timeout.
  delayed: 'InProgress',
  // Cancelling is not an outcome yet: the script may still be running.
  cancelling: 'InProgress',
  success: 'Success',
  failed: 'Failed',
  timedout: 'TimedOut',
  cancelled: 'Cancelled',
  canceled: 'Cancelled',
  undeliverable: 'Undeliverable',
};

/** StatusDetails values that say more than Status. */
const DETAILED_STATUSES: Record<string, InstanceCommandStatus> = {
  // The command never reached the instance: the script did not run at all.
  deliverytimedout: 'Undeliverable',
  undeliverable: 'Undeliverable',
  // The script ran past executionTimeout and was stopped.
  executiontimedout: 'TimedOut',
  // The system cancelled the invocation (MaxErrors reached on the parent command).
  terminated: 'Cancelled',
};

/** Inline plugin output split into stdout and stderr, and whether stdout was cut by SSM. */
function splitOutput(output: string): { stdout: string; stderr: string; stdoutTruncated: boolean } {
  const at = output.indexOf(STDERR_SEPARATOR);
  const stdout = at === -1 ? output : output.slice(0, at);
  const stderr = at === -1 ? '' : output.slice(at + STDERR_SEPARATOR.length);
  return {
    stdout: withoutSuffix(stdout, STDOUT_TRUNCATED) ?? '',
    stderr: withoutSuffix(stderr, STDERR_TRUNCATED) ?? '',
    stdoutTruncated: stdout.endsWith(STDOUT_TRUNCATED),
  };
}

function truncateComment(comment: string): string {
  // By code points, so that a cut never leaves half a surrogate pair.
  return Array.from(comment).slice(0, MAX_COMMENT_LENGTH).join('');
}

function executionTimeout(seconds: number): string {
  // The script enforces each hook's own timeout; this only bounds the whole command, so a value out
  // of SSM's range is brought into it rather than failing the deployment.
  const whole = Number.isFinite(seconds) ? Math.ceil(seconds) : MAX_EXECUTION_TIMEOUT_SECONDS;
  return String(Math.min(MAX_EXECUTION_TIMEOUT_SECONDS, Math.max(1, whole)));
}

const RUNNING: ReadonlySet<InstanceCommandStatus> = new Set(['Pending', 'InProgress']);

/** Lifecycle-event scripts to EC2 and on-premises instances through SSM Run Command. */
export class SsmInstanceTransport implements InstanceTransportPort {
  constructor(
    private readonly client: SSMClient,
    private readonly options: SsmInstanceTransportOptions = {},
  ) {}

  async cancelCommand(commandId: string): Promise<void> {
    try {
      await callAws({ service: 'ssm', operation: 'CancelCommand', resource: commandId }, () =>
        this.client.send(new CancelCommandCommand({ CommandId: commandId })),
      );
    } catch (error) {
      // SSM refuses to cancel a command that already finished; there is nothing left to stop.
      if ((error as { code?: string }).code === 'InvalidCommandId') return;
      throw error;
    }
  }

  async sendCommand(request: InstanceCommandRequest): Promise<{ commandId: string }> {
    const { instanceIds } = request;
    if (instanceIds.length === 0) throw new InvalidArgumentError('A command needs at least one instance id.');
    if (instanceIds.length > MAX_INSTANCES_PER_COMMAND) {
      throw new InvalidArgumentError(
        `SendCommand takes at most ${MAX_INSTANCES_PER_COMMAND} instance ids, not ${instanceIds.length}: callers split larger batches.`,
      );
    }
    const input: SendCommandCommandInput = {
      DocumentName: DOCUMENT_NAME,
      InstanceIds: [...instanceIds],
      Parameters: {
        commands: [request.script],
        executionTimeout: [executionTimeout(request.executionTimeoutSeconds)],
      },
      Comment: truncateComment(request.comment),
      TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
      // CodeDeploy's instances are independent: one failing must not stop the command on the others
      // (SSM's default MaxErrors, 0, cancels the instances not yet reached after the first error),
      // and a batch runs on all its instances at once.
      MaxErrors: '100%',
      MaxConcurrency: '100%',
      ...(this.options.outputS3Bucket ? { OutputS3BucketName: this.options.outputS3Bucket } : {}),
      ...(this.options.cloudWatchLogGroup
        ? {
            CloudWatchOutputConfig: {
              CloudWatchOutputEnabled: true,
              CloudWatchLogGroupName: this.options.cloudWatchLogGroup,
            },
          }
        : {}),
    };
    const context = { service: 'ssm', operation: 'SendCommand', resource: request.comment };
    const response = await callAws(context, () => this.client.send(new SendCommandCommand(input)));
    const commandId = response.Command?.CommandId;
    if (!commandId)
      throw new AwsServiceError(
        'ssm.SendCommand: the response has no CommandId',
        'MissingCommandId',
        context,
      );
    return { commandId };
  }

  async getCommandResults(
    commandId: string,
    instanceIds: readonly string[],
  ): Promise<InstanceCommandResult[]> {
    const invocations = await this.listInvocations(commandId);
    const results: InstanceCommandResult[] = [];
    for (const instanceId of instanceIds) {
      results.push(await this.resultOf(commandId, instanceId, invocations.get(instanceId)));
    }
    return results;
  }

  private async listInvocations(commandId: string): Promise<Map<string, CommandInvocation>> {
    const byInstance = new Map<string, CommandInvocation>();
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const response = await this.call('ListCommandInvocations', commandId, () =>
        this.client.send(
          new ListCommandInvocationsCommand({
            CommandId: commandId,
            Details: true,
            MaxResults: MAX_INSTANCES_PER_COMMAND,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        ),
      );
      for (const invocation of response.CommandInvocations ?? []) {
        if (invocation.InstanceId) byInstance.set(invocation.InstanceId, invocation);
      }
      nextToken = response.NextToken;
    } while (nextToken);
    return byInstance;
  }

  private async resultOf(
    commandId: string,
    instanceId: string,
    invocation: CommandInvocation | undefined,
  ): Promise<InstanceCommandResult> {
    // Invocations appear a moment after SendCommand returns: not listed yet is not started yet.
    if (invocation === undefined)
      return { instanceId, status: 'Pending', exitCode: null, stdout: '', stderr: '' };
    const status = instanceCommandStatusOf(invocation.Status, invocation.StatusDetails);
    const plugin = invocation.CommandPlugins?.[0];
    const inline = splitOutput(plugin?.Output ?? '');
    const result: InstanceCommandResult = {
      instanceId,
      status,
      exitCode: RUNNING.has(status) ? null : exitCodeOf(plugin?.ResponseCode),
      stdout: inline.stdout,
      stderr: inline.stderr,
    };
    // The diagnostics line is the last line of stdout: when SSM cut the inline copy (2,500
    // characters), read the invocation's own output (24,000 characters of stdout).
    if (!inline.stdoutTruncated || RUNNING.has(status)) return result;
    const full = await this.call('GetCommandInvocation', `${commandId} ${instanceId}`, () =>
      this.client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })),
    );
    return {
      ...result,
      exitCode: exitCodeOf(full.ResponseCode) ?? result.exitCode,
      stdout: withoutSuffix(full.StandardOutputContent, STDOUT_TRUNCATED) ?? result.stdout,
      stderr: withoutSuffix(full.StandardErrorContent, STDERR_TRUNCATED) ?? result.stderr,
    };
  }

  /** `callAws`, with an unknown command id reported as the missing resource it is. */
  private async call<T>(operation: string, resource: string, send: () => Promise<T>): Promise<T> {
    try {
      return await callAws({ service: 'ssm', operation, resource }, send);
    } catch (error) {
      if (
        error instanceof AwsServiceError &&
        (error.code === 'InvalidCommandId' || error.code === 'InvocationDoesNotExist')
      ) {
        throw new ResourceNotFoundError(error.message, resource, { cause: error.cause ?? error });
      }
      throw error;
    }
  }
}

function withoutSuffix(text: string | undefined, suffix: string): string | undefined {
  return text?.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
}

/** SSM reports -1 until the plugin has an exit code. */
function exitCodeOf(responseCode: number | undefined): number | null {
  return responseCode === undefined || responseCode < 0 ? null : responseCode;
}

// -- EventBridge ------------------------------------------------------------------------------------

/** What the completion handler needs from an SSM Run Command status event. */
export interface CommandStatusChange {
  commandId: string;
  status: InstanceCommandStatus;
  /** SSM's own status string, as the event carried it. */
  ssmStatus: string;
  /** The instances the event names: `instance-id` (invocation event) or the instance ARNs in `resources`. */
  instanceIds: string[];
}

export const COMMAND_STATUS_CHANGE = 'EC2 Command Status-change Notification';
export const COMMAND_INVOCATION_STATUS_CHANGE = 'EC2 Command Invocation Status-change Notification';

/**
 * Reads the EventBridge events of SSM Run Command (source `aws.ssm`), as documented in "Amazon
 * EventBridge event examples for Systems Manager", section "Run Command Events"
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html):
 *
 * - detail-type "EC2 Command Status-change Notification": `detail` holds `command-id`,
 *   `document-name`, `expire-after`, `parameters` ({ executionTimeout: [..], commands: [..] }),
 *   `requested-date-time` and `status`; the instances are not in `detail` but in `resources`, as
 *   instance ARNs (`arn:aws:ec2:<region>:<account>:instance/<id>`).
 * - detail-type "EC2 Command Invocation Status-change Notification": `detail` holds `command-id`,
 *   `document-name`, `instance-id`, `requested-date-time` and `status`.
 *
 * Answers undefined for any other event, or one without a command id and a status.
 */
export function commandStatusChangeFromEvent(event: unknown): CommandStatusChange | undefined {
  if (!isRecord(event) || event.source !== 'aws.ssm') return undefined;
  const type = event['detail-type'];
  if (type !== COMMAND_STATUS_CHANGE && type !== COMMAND_INVOCATION_STATUS_CHANGE) return undefined;
  const detail = event.detail;
  if (!isRecord(detail)) return undefined;
  const commandId = detail['command-id'];
  const ssmStatus = detail.status;
  if (typeof commandId !== 'string' || commandId === '' || typeof ssmStatus !== 'string') return undefined;
  const instanceId = detail['instance-id'];
  const instanceIds =
    typeof instanceId === 'string' && instanceId !== '' ? [instanceId] : instanceIdsOf(event.resources);
  return { commandId, status: instanceCommandStatusOf(ssmStatus), ssmStatus, instanceIds };
}

/** Instance ids from EC2 instance ARNs (and SSM managed-instance ARNs, for on-premises servers). */
function instanceIdsOf(resources: unknown): string[] {
  if (!Array.isArray(resources)) return [];
  return resources.flatMap((resource) => {
    const match =
      typeof resource === 'string' ? /:(?:instance|managed-instance)\/([^/]+)$/.exec(resource) : null;
    return match?.[1] ? [match[1]] : [];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
