/**
 * The rules CreateDeploymentGroup and UpdateDeploymentGroup apply to a group's settings, per compute
 * platform, with CodeDeploy's exceptions (reference §4.3, §4.4, §5.2), and the defaults a group gets.
 * Input is the API's members as given (for an update: the stored group with the request's changes
 * applied); output is the normalized settings to store. Whether the deployment config exists and
 * suits the platform is checked by the caller (it may need the store).
 *
 * Where CodeDeploy's behaviour is not documented the safer choice is taken and marked [inferred]:
 * settings that cannot apply to the platform (tag filters on a Lambda group, a target-group pair on
 * a Server group) are refused rather than silently kept.
 */
import { CodeDeployException } from './codedeploy-exception.js';
import type {
  AlarmConfiguration,
  AutoRollbackConfiguration,
  AutoRollbackEvent,
  BlueGreenDeploymentConfiguration,
  ComputePlatform,
  DeploymentStyle,
  EC2TagFilter,
  ECSService,
  LoadBalancerInfo,
  OutdatedInstancesStrategy,
  TagFilter,
  TriggerConfig,
} from './codedeploy-shapes.js';
import { validateTagFilters, validateTagSet } from './tag-filters.js';

/** The group members the rules read, as the API's request shapes name them. */
export interface DeploymentGroupSpec {
  deploymentConfigName?: string;
  serviceRoleArn?: string;
  ec2TagFilters?: EC2TagFilter[];
  ec2TagSet?: { ec2TagSetList?: EC2TagFilter[][] };
  onPremisesInstanceTagFilters?: TagFilter[];
  onPremisesTagSet?: { onPremisesTagSetList?: TagFilter[][] };
  autoScalingGroups?: string[];
  triggerConfigurations?: TriggerConfig[];
  alarmConfiguration?: AlarmConfiguration;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  outdatedInstancesStrategy?: OutdatedInstancesStrategy;
  deploymentStyle?: DeploymentStyle;
  blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  loadBalancerInfo?: LoadBalancerInfo;
  ecsServices?: ECSService[];
  terminationHookEnabled?: boolean;
}

/** The normalized settings: every list present, alarm and rollback configs complete, defaults applied. */
export interface NormalizedDeploymentGroup {
  deploymentConfigName: string;
  serviceRoleArn?: string;
  ec2TagFilters: EC2TagFilter[];
  ec2TagSet?: { ec2TagSetList: EC2TagFilter[][] };
  onPremisesInstanceTagFilters: TagFilter[];
  onPremisesTagSet?: { onPremisesTagSetList: TagFilter[][] };
  autoScalingGroups: string[];
  triggerConfigurations: TriggerConfig[];
  alarmConfiguration: { enabled: boolean; ignorePollAlarmFailure: boolean; alarms: Array<{ name: string }> };
  autoRollbackConfiguration?: { enabled: boolean; events: AutoRollbackEvent[] };
  outdatedInstancesStrategy: OutdatedInstancesStrategy;
  deploymentStyle: Required<DeploymentStyle>;
  blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  loadBalancerInfo?: LoadBalancerInfo;
  ecsServices?: ECSService[];
  terminationHookEnabled?: boolean;
  /** Server groups that route traffic: the target groups the engine deregisters and registers on. */
  targetGroupNames?: string[];
}

/** The config a group uses when it names none [inferred for Lambda and ECS]. */
export const DEFAULT_GROUP_CONFIG: Record<ComputePlatform, string> = {
  Server: 'CodeDeployDefault.OneAtATime',
  Lambda: 'CodeDeployDefault.LambdaAllAtOnce',
  ECS: 'CodeDeployDefault.ECSAllAtOnce',
};

export const MAX_ALARMS = 10;
export const MAX_ALARM_NAME_LENGTH = 255;
export const MAX_TRIGGERS = 10;
export const MAX_AUTO_SCALING_GROUPS = 10;
export const MAX_LOAD_BALANCERS = 10;
/** Blue/green waits and the termination wait: at most 48 hours (reference §4.3). */
export const MAX_WAIT_MINUTES = 2880;

const SERVICE_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

const fail = (name: ConstructorParameters<typeof CodeDeployException>[0], message: string) =>
  new CodeDeployException(name, message);

export function validateServiceRoleArn(arn: string): string {
  if (!SERVICE_ROLE_ARN.test(arn)) {
    throw fail(
      'InvalidRoleException',
      `serviceRoleArn must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME), not ${JSON.stringify(arn)}.`,
    );
  }
  return arn;
}

/** An AlarmConfiguration as a group or CreateDeployment's overrideAlarmConfiguration gives it, checked. */
export function normalizeAlarms(
  config: AlarmConfiguration | undefined,
): NormalizedDeploymentGroup['alarmConfiguration'] {
  const alarms = config?.alarms ?? [];
  if (alarms.length > MAX_ALARMS) {
    throw fail(
      'AlarmsLimitExceededException',
      `alarmConfiguration.alarms has ${alarms.length} alarms; the maximum is ${MAX_ALARMS}.`,
    );
  }
  const names = new Set<string>();
  for (const [index, alarm] of alarms.entries()) {
    const name = alarm.name ?? '';
    if (name === '' || name.length > MAX_ALARM_NAME_LENGTH) {
      throw fail(
        'InvalidAlarmConfigException',
        `alarmConfiguration.alarms[${index}].name must be 1-${MAX_ALARM_NAME_LENGTH} characters.`,
      );
    }
    if (names.has(name))
      throw fail('InvalidAlarmConfigException', `alarmConfiguration.alarms names ${name} twice.`);
    names.add(name);
  }
  const enabled = config?.enabled ?? false;
  if (enabled && alarms.length === 0) {
    throw fail(
      'InvalidAlarmConfigException',
      'alarmConfiguration is enabled with no alarms: add alarms, or set enabled to false.',
    );
  }
  return {
    enabled,
    ignorePollAlarmFailure: config?.ignorePollAlarmFailure ?? false,
    alarms: [...names].map((name) => ({ name })),
  };
}

/** An AutoRollbackConfiguration as a group or CreateDeployment gives it, checked. */
export function normalizeAutoRollback(
  config: AutoRollbackConfiguration | undefined,
): NormalizedDeploymentGroup['autoRollbackConfiguration'] {
  if (!config) return undefined;
  const events = [...new Set(config.events ?? [])];
  const enabled = config.enabled ?? false;
  if (enabled && events.length === 0) {
    throw fail(
      'InvalidAutoRollbackConfigException',
      'autoRollbackConfiguration is enabled with no events: add DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM or DEPLOYMENT_STOP_ON_REQUEST, or set enabled to false.',
    );
  }
  return { enabled, events };
}

function normalizeTriggers(triggers: TriggerConfig[]): TriggerConfig[] {
  if (triggers.length > MAX_TRIGGERS) {
    throw fail(
      'TriggerTargetsLimitExceededException',
      `triggerConfigurations has ${triggers.length} triggers; the maximum is ${MAX_TRIGGERS}.`,
    );
  }
  const names = new Set<string>();
  return triggers.map((trigger, index) => {
    const where = `triggerConfigurations[${index}]`;
    const { triggerName, triggerTargetArn, triggerEvents } = trigger;
    if (!triggerName) throw fail('InvalidTriggerConfigException', `${where}.triggerName is required.`);
    if (names.has(triggerName))
      throw fail(
        'InvalidTriggerConfigException',
        `${where}: a trigger named ${triggerName} is already given.`,
      );
    names.add(triggerName);
    if (!triggerTargetArn || !SNS_TOPIC_ARN.test(triggerTargetArn)) {
      throw fail(
        'InvalidTriggerConfigException',
        `${where}.triggerTargetArn must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:TOPIC).`,
      );
    }
    if (!triggerEvents || triggerEvents.length === 0) {
      throw fail('InvalidTriggerConfigException', `${where}.triggerEvents needs at least one event.`);
    }
    return { triggerName, triggerTargetArn, triggerEvents: [...new Set(triggerEvents)] };
  });
}

function checkWait(minutes: number | undefined, field: string): void {
  if (minutes !== undefined && (minutes < 0 || minutes > MAX_WAIT_MINUTES)) {
    throw fail(
      'InvalidBlueGreenDeploymentConfigurationException',
      `${field} must be 0-${MAX_WAIT_MINUTES} minutes, got ${minutes}.`,
    );
  }
}

function normalizeBlueGreen(
  config: BlueGreenDeploymentConfiguration | undefined,
  platform: ComputePlatform,
  autoScalingGroups: string[],
): BlueGreenDeploymentConfiguration {
  const where = 'blueGreenDeploymentConfiguration';
  const terminate = config?.terminateBlueInstancesOnDeploymentSuccess;
  const ready = config?.deploymentReadyOption;
  const green = config?.greenFleetProvisioningOption;
  checkWait(
    terminate?.terminationWaitTimeInMinutes,
    `${where}.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes`,
  );
  checkWait(ready?.waitTimeInMinutes, `${where}.deploymentReadyOption.waitTimeInMinutes`);
  if (platform === 'ECS') {
    if (terminate?.action === 'KEEP_ALIVE') {
      throw fail(
        'InvalidBlueGreenDeploymentConfigurationException',
        `${where}: ECS deployments always terminate the original task set: use action TERMINATE.`,
      );
    }
    if (green) {
      throw fail(
        'InvalidBlueGreenDeploymentConfigurationException',
        `${where}.greenFleetProvisioningOption does not apply to ECS: remove it.`,
      );
    }
  }
  if (green?.action === 'COPY_AUTO_SCALING_GROUP' && autoScalingGroups.length === 0) {
    throw fail(
      'InvalidBlueGreenDeploymentConfigurationException',
      `${where}.greenFleetProvisioningOption COPY_AUTO_SCALING_GROUP needs an Auto Scaling group in autoScalingGroups.`,
    );
  }
  return {
    // Keeping the original instances is the default that destroys nothing [inferred for Server].
    terminateBlueInstancesOnDeploymentSuccess: {
      action: terminate?.action ?? (platform === 'ECS' ? 'TERMINATE' : 'KEEP_ALIVE'),
      terminationWaitTimeInMinutes: terminate?.terminationWaitTimeInMinutes ?? 0,
    },
    deploymentReadyOption: {
      actionOnTimeout: ready?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT',
      waitTimeInMinutes: ready?.waitTimeInMinutes ?? 0,
    },
    ...(platform === 'Server'
      ? { greenFleetProvisioningOption: { action: green?.action ?? 'DISCOVER_EXISTING' } }
      : {}),
  };
}

function namedList(list: Array<{ name?: string }> | undefined, field: string): Array<{ name: string }> {
  const items = list ?? [];
  if (items.length > MAX_LOAD_BALANCERS) {
    throw fail(
      'InvalidLoadBalancerInfoException',
      `${field} has ${items.length} entries; the maximum is ${MAX_LOAD_BALANCERS}.`,
    );
  }
  const names = new Set<string>();
  items.forEach((item, index) => {
    if (!item.name) throw fail('InvalidLoadBalancerInfoException', `${field}[${index}].name is required.`);
    if (names.has(item.name))
      throw fail('InvalidLoadBalancerInfoException', `${field} names ${item.name} twice.`);
    names.add(item.name);
  });
  return [...names].map((name) => ({ name }));
}

function normalizeTargetGroupPair(info: LoadBalancerInfo): LoadBalancerInfo {
  const pairs = info.targetGroupPairInfoList ?? [];
  const failPair = (message: string) =>
    fail('InvalidTargetGroupPairException', `loadBalancerInfo.targetGroupPairInfoList${message}`);
  if (pairs.length !== 1) throw failPair(` must hold exactly one target group pair, got ${pairs.length}.`);
  const pair = pairs[0]!;
  const groups = pair.targetGroups ?? [];
  if (groups.length !== 2 || groups.some((group) => !group.name) || groups[0]!.name === groups[1]!.name) {
    throw failPair(
      '[0].targetGroups must name two different target groups (the original and the replacement).',
    );
  }
  const route = (name: 'prodTrafficRoute' | 'testTrafficRoute') => {
    const listeners = pair[name]?.listenerArns ?? [];
    if (listeners.length !== 1 || !listeners[0]) {
      throw failPair(`[0].${name}.listenerArns must hold exactly one listener ARN.`);
    }
    return { listenerArns: [listeners[0]] };
  };
  return {
    targetGroupPairInfoList: [
      {
        targetGroups: groups.map((group) => ({ name: group.name! })),
        prodTrafficRoute: route('prodTrafficRoute'),
        ...(pair.testTrafficRoute ? { testTrafficRoute: route('testTrafficRoute') } : {}),
      },
    ],
  };
}

function defaultStyle(platform: ComputePlatform): Required<DeploymentStyle> {
  return platform === 'Server'
    ? { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' }
    : { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' };
}

const nonEmpty = <T>(list: T[] | undefined): list is T[] => list !== undefined && list.length > 0;

/** Checks a group's settings for its application's platform and returns what to store. */
export function validateDeploymentGroup(
  spec: DeploymentGroupSpec,
  platform: ComputePlatform,
): NormalizedDeploymentGroup {
  const ec2TagSetList = spec.ec2TagSet?.ec2TagSetList ?? [];
  const onPremisesTagSetList = spec.onPremisesTagSet?.onPremisesTagSetList ?? [];
  if (nonEmpty(spec.ec2TagFilters) && ec2TagSetList.length > 0) {
    throw fail('InvalidEC2TagCombinationException', 'Give ec2TagFilters or ec2TagSet, not both.');
  }
  if (nonEmpty(spec.onPremisesInstanceTagFilters) && onPremisesTagSetList.length > 0) {
    throw fail(
      'InvalidOnPremisesTagCombinationException',
      'Give onPremisesInstanceTagFilters or onPremisesTagSet, not both.',
    );
  }
  const ec2TagFilters = validateTagFilters(
    spec.ec2TagFilters ?? [],
    'ec2TagFilters',
    'InvalidEC2TagException',
  );
  const ec2Set = validateTagSet(ec2TagSetList, 'ec2TagSet.ec2TagSetList', 'InvalidEC2TagException');
  const onPremisesInstanceTagFilters = validateTagFilters(
    spec.onPremisesInstanceTagFilters ?? [],
    'onPremisesInstanceTagFilters',
    'InvalidTagException',
  );
  const onPremSet = validateTagSet(
    onPremisesTagSetList,
    'onPremisesTagSet.onPremisesTagSetList',
    'InvalidTagException',
  );

  const autoScalingGroups = [...new Set(spec.autoScalingGroups ?? [])];
  if (autoScalingGroups.length > MAX_AUTO_SCALING_GROUPS) {
    throw fail(
      'InvalidAutoScalingGroupException',
      `autoScalingGroups has ${autoScalingGroups.length} groups; the maximum is ${MAX_AUTO_SCALING_GROUPS}.`,
    );
  }
  if (autoScalingGroups.some((name) => name === '')) {
    throw fail('InvalidAutoScalingGroupException', 'autoScalingGroups has an empty name.');
  }

  const style = {
    ...defaultStyle(platform),
    ...stripUndefined(spec.deploymentStyle ?? {}),
  } as Required<DeploymentStyle>;
  const info = spec.loadBalancerInfo ?? {};
  const hasInstances =
    ec2TagFilters.length > 0 ||
    ec2Set.length > 0 ||
    onPremisesInstanceTagFilters.length > 0 ||
    onPremSet.length > 0 ||
    autoScalingGroups.length > 0;

  let loadBalancerInfo: LoadBalancerInfo | undefined;
  let ecsServices: ECSService[] | undefined;
  let targetGroupNames: string[] | undefined;
  let blueGreen: BlueGreenDeploymentConfiguration | undefined;

  if (platform === 'Server') {
    if (nonEmpty(info.targetGroupPairInfoList)) {
      throw fail(
        'InvalidTargetGroupPairException',
        'loadBalancerInfo.targetGroupPairInfoList is for ECS deployment groups: use targetGroupInfoList for a Server group.',
      );
    }
    if (nonEmpty(spec.ecsServices)) {
      throw fail(
        'InvalidECSServiceException',
        'ecsServices is for ECS deployment groups: remove it from a Server group.',
      );
    }
    const elbInfoList = namedList(info.elbInfoList, 'loadBalancerInfo.elbInfoList');
    const targetGroupInfoList = namedList(info.targetGroupInfoList, 'loadBalancerInfo.targetGroupInfoList');
    if (spec.loadBalancerInfo) {
      loadBalancerInfo = {
        ...(elbInfoList.length ? { elbInfoList } : {}),
        ...(targetGroupInfoList.length ? { targetGroupInfoList } : {}),
      };
    }
    if (
      style.deploymentOption === 'WITH_TRAFFIC_CONTROL' &&
      elbInfoList.length === 0 &&
      targetGroupInfoList.length === 0
    ) {
      throw fail(
        'InvalidLoadBalancerInfoException',
        'deploymentStyle WITH_TRAFFIC_CONTROL needs a load balancer: give loadBalancerInfo.targetGroupInfoList (or elbInfoList), or use WITHOUT_TRAFFIC_CONTROL.',
      );
    }
    if (style.deploymentType === 'BLUE_GREEN') {
      if (style.deploymentOption !== 'WITH_TRAFFIC_CONTROL') {
        throw fail(
          'InvalidDeploymentStyleException',
          'A BLUE_GREEN Server deployment group reroutes traffic through a load balancer: use deploymentOption WITH_TRAFFIC_CONTROL.',
        );
      }
      if (nonEmpty(onPremisesInstanceTagFilters) || onPremSet.length > 0) {
        throw fail(
          'InvalidDeploymentStyleException',
          'BLUE_GREEN deployments run on EC2 instances, not on-premises instances: use IN_PLACE, or remove the on-premises tag filters.',
        );
      }
    }
    if (style.deploymentType === 'BLUE_GREEN' || spec.blueGreenDeploymentConfiguration) {
      blueGreen = normalizeBlueGreen(spec.blueGreenDeploymentConfiguration, platform, autoScalingGroups);
    }
    if (style.deploymentOption === 'WITH_TRAFFIC_CONTROL' && targetGroupInfoList.length > 0) {
      targetGroupNames = targetGroupInfoList.map((group) => group.name);
    }
  } else {
    if (style.deploymentType !== 'BLUE_GREEN' || style.deploymentOption !== 'WITH_TRAFFIC_CONTROL') {
      throw fail(
        'InvalidDeploymentStyleException',
        `${platform} deployments are blue/green with traffic control: use deploymentType BLUE_GREEN and deploymentOption WITH_TRAFFIC_CONTROL.`,
      );
    }
    if (hasInstances) {
      throw fail(
        ec2TagFilters.length || ec2Set.length
          ? 'InvalidEC2TagException'
          : autoScalingGroups.length
            ? 'InvalidAutoScalingGroupException'
            : 'InvalidTagException',
        `${platform} deployment groups have no instances: remove the tag filters and Auto Scaling groups.`,
      );
    }
    if (platform === 'Lambda') {
      if (
        spec.loadBalancerInfo &&
        (nonEmpty(info.elbInfoList) ||
          nonEmpty(info.targetGroupInfoList) ||
          nonEmpty(info.targetGroupPairInfoList))
      ) {
        throw fail(
          'InvalidLoadBalancerInfoException',
          'Lambda deployment groups shift traffic with the function alias: remove loadBalancerInfo.',
        );
      }
      if (nonEmpty(spec.ecsServices))
        throw fail(
          'InvalidECSServiceException',
          'ecsServices is for ECS deployment groups: remove it from a Lambda group.',
        );
      if (spec.blueGreenDeploymentConfiguration) {
        throw fail(
          'InvalidBlueGreenDeploymentConfigurationException',
          'Lambda deployment groups take no blue/green options: remove blueGreenDeploymentConfiguration.',
        );
      }
    } else {
      const services = spec.ecsServices ?? [];
      if (services.length !== 1 || !services[0]!.serviceName || !services[0]!.clusterName) {
        throw fail(
          'InvalidECSServiceException',
          'An ECS deployment group needs exactly one ecsServices entry with serviceName and clusterName.',
        );
      }
      ecsServices = [{ serviceName: services[0]!.serviceName, clusterName: services[0]!.clusterName }];
      if (nonEmpty(info.elbInfoList) || nonEmpty(info.targetGroupInfoList)) {
        throw fail(
          'InvalidLoadBalancerInfoException',
          'An ECS deployment group uses loadBalancerInfo.targetGroupPairInfoList, not elbInfoList or targetGroupInfoList.',
        );
      }
      loadBalancerInfo = normalizeTargetGroupPair(info);
      blueGreen = normalizeBlueGreen(spec.blueGreenDeploymentConfiguration, platform, autoScalingGroups);
    }
  }

  return {
    deploymentConfigName: spec.deploymentConfigName || DEFAULT_GROUP_CONFIG[platform],
    ...(spec.serviceRoleArn !== undefined
      ? { serviceRoleArn: validateServiceRoleArn(spec.serviceRoleArn) }
      : {}),
    ec2TagFilters,
    ...(ec2Set.length ? { ec2TagSet: { ec2TagSetList: ec2Set } } : {}),
    onPremisesInstanceTagFilters,
    ...(onPremSet.length ? { onPremisesTagSet: { onPremisesTagSetList: onPremSet } } : {}),
    autoScalingGroups,
    triggerConfigurations: normalizeTriggers(spec.triggerConfigurations ?? []),
    alarmConfiguration: normalizeAlarms(spec.alarmConfiguration),
    ...(spec.autoRollbackConfiguration
      ? { autoRollbackConfiguration: normalizeAutoRollback(spec.autoRollbackConfiguration)! }
      : {}),
    outdatedInstancesStrategy: spec.outdatedInstancesStrategy ?? 'UPDATE',
    deploymentStyle: { deploymentType: style.deploymentType, deploymentOption: style.deploymentOption },
    ...(blueGreen ? { blueGreenDeploymentConfiguration: blueGreen } : {}),
    ...(loadBalancerInfo ? { loadBalancerInfo } : {}),
    ...(ecsServices ? { ecsServices } : {}),
    ...(spec.terminationHookEnabled !== undefined
      ? { terminationHookEnabled: spec.terminationHookEnabled }
      : {}),
    ...(targetGroupNames ? { targetGroupNames } : {}),
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as Partial<T>;
}
