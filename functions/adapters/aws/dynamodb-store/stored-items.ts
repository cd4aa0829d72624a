import { COMPUTE_PLATFORMS } from '../../../domain/deployment-configs.js';
import { DEPLOYMENT_STATUS_VALUES, TARGET_STATUS_VALUES } from '../../../domain/status.js';
import type {
  CommandWait,
  DeploymentGroupRecord,
  DeploymentRecord,
  HookExecutionRecord,
  InstanceTargetRecord,
  PendingWait,
} from '../../../ports/records.js';
import { unmarshallItem } from '../dynamodb-marshalling.js';
import type { AttributeMap } from './table.js';

/**
 * Items read back as the records they were written from. The store writes items only from typed
 * records, so each reader checks what tells one kind of item from another (its id, its status or
 * platform) and refuses an item that is not of its kind, rather than trusting it blindly.
 */
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

/** A stored item without the table's own key attributes. */
function fieldsOf(item: AttributeMap): Record<string, unknown> {
  const record = unmarshallItem(item);
  for (const key of KEY_ATTRIBUTES) delete record[key];
  return record;
}

function oneOf(values: readonly string[], value: unknown): boolean {
  return typeof value === 'string' && values.includes(value);
}

function isDeploymentRecord(
  value: Record<string, unknown>,
): value is Record<string, unknown> & DeploymentRecord {
  return (
    typeof value.deploymentId === 'string' &&
    oneOf(COMPUTE_PLATFORMS, value.computePlatform) &&
    oneOf(DEPLOYMENT_STATUS_VALUES, value.status)
  );
}

/** Groups come from users (the API, the CDK constructs): their platform is checked where it is used (flowKeyOf). */
function isGroupRecord(
  value: Record<string, unknown>,
): value is Record<string, unknown> & DeploymentGroupRecord {
  return (
    typeof value.applicationName === 'string' &&
    typeof value.deploymentGroupName === 'string' &&
    typeof value.computePlatform === 'string'
  );
}

function isHookExecution(
  value: Record<string, unknown>,
): value is Record<string, unknown> & HookExecutionRecord {
  return (
    typeof value.lifecycleEventHookExecutionId === 'string' &&
    oneOf(['Pending', 'Succeeded', 'Failed'], value.status)
  );
}

function isPendingWait(value: Record<string, unknown>): value is Record<string, unknown> & PendingWait {
  return typeof value.deploymentId === 'string' && typeof value.taskToken === 'string';
}

function isInstanceTarget(
  value: Record<string, unknown>,
): value is Record<string, unknown> & InstanceTargetRecord {
  return (
    typeof value.targetId === 'string' &&
    oneOf(TARGET_STATUS_VALUES, value.status) &&
    Array.isArray(value.lifecycleEvents)
  );
}

function isCommandWait(value: Record<string, unknown>): value is Record<string, unknown> & CommandWait {
  return typeof value.commandId === 'string' && Array.isArray(value.instanceIds);
}

function reader<T>(
  kind: string,
  is: (value: Record<string, unknown>) => value is Record<string, unknown> & T,
) {
  return (item: AttributeMap): T => {
    const fields = fieldsOf(item);
    if (!is(fields))
      throw new TypeError(`The stored item ${item.pk?.S ?? '?'} / ${item.sk?.S ?? '?'} is not a ${kind}.`);
    return fields;
  };
}

export const deploymentOf = reader('deployment record', isDeploymentRecord);
export const groupOf = reader('deployment group', isGroupRecord);
export const hookExecutionOf = reader('hook execution', isHookExecution);
export const pendingWaitOf = reader('pending wait', isPendingWait);
export const instanceTargetOf = reader('instance target', isInstanceTarget);
export const commandWaitOf = reader('command wait', isCommandWait);

export function stringAttribute(item: AttributeMap | undefined, name: string): string | undefined {
  return item?.[name]?.S;
}
