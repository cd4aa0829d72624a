/**
 * RegisterOnPremisesInstance, DeregisterOnPremisesInstance, GetOnPremisesInstance,
 * BatchGetOnPremisesInstances, ListOnPremisesInstances, AddTagsToOnPremisesInstances and
 * RemoveTagsFromOnPremisesInstances. Registering an instance also provisions the machine behind it
 * where the runtime has one to provision (a local host on `stepdeploy server`).
 */
import { CodeDeployException } from '../domain/codedeploy-exception.js';
import type { InstanceInfo, Tag } from '../domain/codedeploy-shapes.js';
import { matchesTagGroup, validateTagFilters } from '../domain/tag-filters.js';
import type { OnPremisesInstanceRecord } from '../ports/on-premises-instances.js';
import {
  checkBatchSize,
  checkInstanceName,
  DEFAULT_PAGE_SIZE,
  requireList,
  seconds,
  type ControlPlane,
} from './control-plane.js';
import { operation, type OperationEntry } from './operation-table.js';

export const BATCH_GET_INSTANCES_LIMIT = 25;
/** Instances one AddTags/RemoveTags call may name [inferred: CodeDeploy documents no number]. */
export const MAX_INSTANCES_PER_TAG_CALL = 100;
/** Tags per on-premises instance [inferred: EC2's per-resource limit is 50, CodeDeploy documents none; 10 is the safe side]. */
export const MAX_TAGS_PER_INSTANCE = 10;
const TAG_WRITE_ATTEMPTS = 5;

const IAM_USER_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):user\/[\w+=,.@/-]{1,512}$/;
const IAM_SESSION_ARN = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/[\w+=,.@-]{1,64}\/[\w+=,.@-]{2,64}$/;

export function instanceInfo(record: OnPremisesInstanceRecord): InstanceInfo {
  return {
    instanceName: record.instanceName,
    ...(record.iamSessionArn ? { iamSessionArn: record.iamSessionArn } : {}),
    ...(record.iamUserArn ? { iamUserArn: record.iamUserArn } : {}),
    instanceArn: record.instanceArn,
    registerTime: seconds(record.registerTime),
    ...(record.deregisterTime ? { deregisterTime: seconds(record.deregisterTime) } : {}),
    tags: record.tags,
  };
}

/** Tags as AddTags/RemoveTags accept them: "Keys and values are both required. Keys cannot be null or empty strings." */
function checkTags(tags: Tag[]): Array<{ Key: string; Value: string }> {
  return tags.map((tag, index) => {
    const fail = (message: string) =>
      new CodeDeployException('InvalidTagException', `tags[${index}]: ${message}`);
    if (!tag.Key) throw fail('Key is required and cannot be empty.');
    if (tag.Value === undefined)
      throw fail('Value is required (value-only and key-only tags are not allowed).');
    if (tag.Key.length > 128) throw fail('Key is longer than 128 characters.');
    if (tag.Value.length > 256) throw fail('Value is longer than 256 characters.');
    return { Key: tag.Key, Value: tag.Value };
  });
}

/** Every named instance, registered, or InstanceNotRegisteredException before anything changes. */
async function registeredInstances(
  controlPlane: ControlPlane,
  names: string[],
): Promise<OnPremisesInstanceRecord[]> {
  const records = [];
  for (const name of new Set(names)) {
    const record = await controlPlane.onPremisesInstances.getInstance(
      checkInstanceName(name, 'instanceNames'),
    );
    if (!record || record.deregisterTime !== undefined) {
      throw new CodeDeployException(
        'InstanceNotRegisteredException',
        `The on-premises instance ${name} is not registered: register it first.`,
      );
    }
    records.push(record);
  }
  return records;
}

/** Applies `change` to an instance's tags with a conditional write, re-reading on a concurrent change. */
async function changeTags(
  controlPlane: ControlPlane,
  instance: OnPremisesInstanceRecord,
  change: (tags: Tag[]) => Tag[],
): Promise<void> {
  let current = instance;
  for (let attempt = 0; attempt < TAG_WRITE_ATTEMPTS; attempt++) {
    const next = change(current.tags);
    if (await controlPlane.onPremisesInstances.replaceTags(current.instanceName, next, current.tags)) return;
    const reread = await controlPlane.onPremisesInstances.getInstance(current.instanceName);
    if (!reread || reread.deregisterTime !== undefined) {
      throw new CodeDeployException(
        'InstanceNotRegisteredException',
        `The on-premises instance ${current.instanceName} is not registered: register it first.`,
      );
    }
    current = reread;
  }
  throw new CodeDeployException(
    'ThrottlingException',
    `The tags of ${instance.instanceName} keep changing: retry.`,
  );
}

function requireTagInput(input: { tags?: Tag[]; instanceNames?: string[] }) {
  const tags = checkTags(requireList(input.tags, 'TagRequiredException', 'tags'));
  const names = requireList(input.instanceNames, 'InstanceNameRequiredException', 'instanceNames');
  if (names.length > MAX_INSTANCES_PER_TAG_CALL) {
    throw new CodeDeployException(
      'InstanceLimitExceededException',
      `instanceNames has ${names.length} instances; the maximum in a single call is ${MAX_INSTANCES_PER_TAG_CALL}.`,
    );
  }
  return { tags, names };
}

export function onPremisesInstanceOperations(): Record<string, OperationEntry<ControlPlane>> {
  return {
    RegisterOnPremisesInstance: operation('RegisterOnPremisesInstance', async (input, controlPlane) => {
      const instanceName = checkInstanceName(input.instanceName);
      const { iamUserArn, iamSessionArn } = input;
      if (iamUserArn && iamSessionArn) {
        throw new CodeDeployException(
          'MultipleIamArnsProvidedException',
          'Give iamUserArn or iamSessionArn, not both.',
        );
      }
      if (!iamUserArn && !iamSessionArn) {
        throw new CodeDeployException(
          'IamArnRequiredException',
          'An IAM ARN is required: give iamUserArn or iamSessionArn.',
        );
      }
      const match = iamUserArn ? IAM_USER_ARN.exec(iamUserArn) : IAM_SESSION_ARN.exec(iamSessionArn!);
      if (!match) {
        throw iamUserArn
          ? new CodeDeployException(
              'InvalidIamUserArnException',
              `iamUserArn must be an IAM user ARN (arn:aws:iam::123456789012:user/NAME), not ${JSON.stringify(iamUserArn)}.`,
            )
          : new CodeDeployException(
              'InvalidIamSessionArnException',
              `iamSessionArn must be an STS assumed-role session ARN (arn:aws:sts::123456789012:assumed-role/ROLE/SESSION), not ${JSON.stringify(iamSessionArn)}.`,
            );
      }
      const [, partition, account] = match;
      const record: OnPremisesInstanceRecord = {
        instanceName,
        ...(iamUserArn ? { iamUserArn } : { iamSessionArn: iamSessionArn! }),
        instanceArn: `arn:${partition}:codedeploy:${controlPlane.region}:${account}:instance/${instanceName}`,
        registerTime: controlPlane.clock.now().toISOString(),
        tags: [],
      };
      await controlPlane.onPremisesInstances.registerInstance(record);
      if (controlPlane.hosts) {
        try {
          await controlPlane.hosts.instanceRegistered(instanceName);
        } catch (error) {
          // No instance without its machine: undo the registration, then report the failure.
          await controlPlane.onPremisesInstances.deregisterInstance(instanceName, controlPlane.clock.now());
          throw error;
        }
      }
      return {};
    }),

    DeregisterOnPremisesInstance: operation('DeregisterOnPremisesInstance', async (input, controlPlane) => {
      const instanceName = checkInstanceName(input.instanceName);
      // An unknown name succeeds, as CodeDeploy models no error for it.
      const record = await controlPlane.onPremisesInstances.deregisterInstance(
        instanceName,
        controlPlane.clock.now(),
      );
      if (record && controlPlane.hosts) await controlPlane.hosts.instanceDeregistered(instanceName);
      return {};
    }),

    GetOnPremisesInstance: operation('GetOnPremisesInstance', async (input, controlPlane) => {
      const instanceName = checkInstanceName(input.instanceName);
      const record = await controlPlane.onPremisesInstances.getInstance(instanceName);
      if (!record) {
        throw new CodeDeployException(
          'InstanceNotRegisteredException',
          `The on-premises instance ${instanceName} is not registered.`,
        );
      }
      return { instanceInfo: instanceInfo(record) };
    }),

    BatchGetOnPremisesInstances: operation('BatchGetOnPremisesInstances', async (input, controlPlane) => {
      const names = requireList(input.instanceNames, 'InstanceNameRequiredException', 'instanceNames');
      checkBatchSize(names, BATCH_GET_INSTANCES_LIMIT, 'instanceNames');
      const infos: InstanceInfo[] = [];
      for (const name of new Set(names)) {
        const record = await controlPlane.onPremisesInstances.getInstance(
          checkInstanceName(name, 'instanceNames'),
        );
        // Unknown names are left out of the answer [inferred].
        if (record) infos.push(instanceInfo(record));
      }
      return { instanceInfos: infos };
    }),

    ListOnPremisesInstances: operation('ListOnPremisesInstances', async (input, controlPlane) => {
      const filters = validateTagFilters(input.tagFilters ?? [], 'tagFilters', 'InvalidTagFilterException');
      const status = input.registrationStatus;
      const page = await controlPlane.onPremisesInstances.listInstances(
        {
          limit: controlPlane.pageSize ?? DEFAULT_PAGE_SIZE,
          ...(input.nextToken ? { nextToken: input.nextToken } : {}),
        },
        (instance) =>
          (status === undefined || (status === 'Registered') === (instance.deregisterTime === undefined)) &&
          (filters.length === 0 || matchesTagGroup(instance.tags, filters)),
      );
      return {
        instanceNames: page.items.map((instance) => instance.instanceName),
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      };
    }),

    AddTagsToOnPremisesInstances: operation('AddTagsToOnPremisesInstances', async (input, controlPlane) => {
      const { tags, names } = requireTagInput(input);
      const instances = await registeredInstances(controlPlane, names);
      const merge = (current: Tag[]) => {
        const byKey = new Map(current.map((tag) => [tag.Key, tag]));
        for (const tag of tags) byKey.set(tag.Key, tag);
        return [...byKey.values()];
      };
      for (const instance of instances) {
        const count = merge(instance.tags).length;
        if (count > MAX_TAGS_PER_INSTANCE) {
          throw new CodeDeployException(
            'TagLimitExceededException',
            `On-premises instance ${instance.instanceName} would have ${count} tags; the maximum is ${MAX_TAGS_PER_INSTANCE}.`,
          );
        }
      }
      for (const instance of instances) {
        await changeTags(controlPlane, instance, (current) => {
          const merged = merge(current);
          if (merged.length > MAX_TAGS_PER_INSTANCE) {
            throw new CodeDeployException(
              'TagLimitExceededException',
              `On-premises instance ${instance.instanceName} would have ${merged.length} tags; the maximum is ${MAX_TAGS_PER_INSTANCE}.`,
            );
          }
          return merged;
        });
      }
      return {};
    }),

    RemoveTagsFromOnPremisesInstances: operation(
      'RemoveTagsFromOnPremisesInstances',
      async (input, controlPlane) => {
        const { tags, names } = requireTagInput(input);
        const instances = await registeredInstances(controlPlane, names);
        const removed = (tag: Tag) =>
          tags.some((gone) => gone.Key === tag.Key && gone.Value === (tag.Value ?? ''));
        for (const instance of instances) {
          await changeTags(controlPlane, instance, (current) => current.filter((tag) => !removed(tag)));
        }
        return {};
      },
    ),
  };
}
