import { describe, expect, it } from 'vitest';
import { IllegalStatusTransitionError, StepDeployError } from '../../functions/domain/errors.js';
import {
  DEPLOYMENT_CREATOR_VALUES,
  DEPLOYMENT_STATUS_VALUES,
  DeploymentStatus,
  ERROR_CODE_VALUES,
  ErrorCode,
  LIFECYCLE_ERROR_CODE_VALUES,
  LIFECYCLE_EVENT_STATUS_VALUES,
  TARGET_STATUS_VALUES,
  deploymentEventState,
  instanceEventState,
  isErrorCode,
  isTerminalDeploymentStatus,
  isTerminalLifecycleEventStatus,
  isTerminalTargetStatus,
  transitionDeployment,
  transitionLifecycleEvent,
  transitionTarget,
} from '../../functions/domain/status.js';
import type {
  DeploymentStatus as DeploymentStatusType,
  LifecycleEventStatus,
  TargetStatus,
} from '../../functions/domain/status.js';

describe('enum values (§4.1, §4.2, App. B.1)', () => {
  it.each<[string, readonly string[], string[]]>([
    [
      'DeploymentStatus',
      DEPLOYMENT_STATUS_VALUES,
      ['Created', 'Queued', 'InProgress', 'Baking', 'Succeeded', 'Failed', 'Stopped', 'Ready'],
    ],
    [
      'TargetStatus',
      TARGET_STATUS_VALUES,
      ['Pending', 'InProgress', 'Succeeded', 'Failed', 'Skipped', 'Unknown', 'Ready'],
    ],
    [
      'LifecycleEventStatus',
      LIFECYCLE_EVENT_STATUS_VALUES,
      ['Pending', 'InProgress', 'Succeeded', 'Failed', 'Skipped', 'Unknown'],
    ],
    [
      'LifecycleErrorCode',
      LIFECYCLE_ERROR_CODE_VALUES,
      ['Success', 'ScriptMissing', 'ScriptNotExecutable', 'ScriptTimedOut', 'ScriptFailed', 'UnknownError'],
    ],
    [
      'DeploymentCreator',
      DEPLOYMENT_CREATOR_VALUES,
      [
        'user',
        'autoscaling',
        'codeDeployRollback',
        'CodeDeploy',
        'CodeDeployAutoUpdate',
        'CloudFormation',
        'CloudFormationRollback',
        'autoscalingTermination',
      ],
    ],
    [
      'ErrorCode',
      ERROR_CODE_VALUES,
      'AGENT_ISSUE | ALARM_ACTIVE | APPLICATION_MISSING | AUTOSCALING_VALIDATION_ERROR | AUTO_SCALING_CONFIGURATION | AUTO_SCALING_IAM_ROLE_PERMISSIONS | CODEDEPLOY_RESOURCE_CANNOT_BE_FOUND | CUSTOMER_APPLICATION_UNHEALTHY | DEPLOYMENT_GROUP_MISSING | ECS_UPDATE_ERROR | ELASTIC_LOAD_BALANCING_INVALID | ELB_INVALID_INSTANCE | HEALTH_CONSTRAINTS | HEALTH_CONSTRAINTS_INVALID | HOOK_EXECUTION_FAILURE | IAM_ROLE_MISSING | IAM_ROLE_PERMISSIONS | INTERNAL_ERROR | INVALID_ECS_SERVICE | INVALID_LAMBDA_CONFIGURATION | INVALID_LAMBDA_FUNCTION | INVALID_REVISION | MANUAL_STOP | MISSING_BLUE_GREEN_DEPLOYMENT_CONFIGURATION | MISSING_ELB_INFORMATION | MISSING_GITHUB_TOKEN | NO_EC2_SUBSCRIPTION | NO_INSTANCES | OVER_MAX_INSTANCES | RESOURCE_LIMIT_EXCEEDED | REVISION_MISSING | THROTTLED | TIMEOUT | CLOUDFORMATION_STACK_FAILURE'.split(
        ' | ',
      ),
    ],
  ])('%s has exactly the API values, in order', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });

  it('ErrorCode has the 34 API values and not the UG-only UNABLE_TO_SEND_ASG', () => {
    expect(ERROR_CODE_VALUES).toHaveLength(34);
    expect(isErrorCode('UNABLE_TO_SEND_ASG')).toBe(false);
    expect(isErrorCode('HEALTH_CONSTRAINTS')).toBe(true);
    expect(isErrorCode('health_constraints')).toBe(false);
  });

  it('the const objects map each value to itself', () => {
    expect(DeploymentStatus.InProgress).toBe('InProgress');
    expect(ErrorCode.HEALTH_CONSTRAINTS_INVALID).toBe('HEALTH_CONSTRAINTS_INVALID');
    expect(Object.values(DeploymentStatus)).toEqual([...DEPLOYMENT_STATUS_VALUES]);
  });
});

const expectIllegal = (act: () => unknown, kind: string, from: string, to: string) => {
  let caught: unknown;
  try {
    act();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(IllegalStatusTransitionError);
  expect(caught).toBeInstanceOf(StepDeployError);
  expect(caught).toMatchObject({ name: 'IllegalStatusTransitionError', kind, from, to });
  expect((caught as Error).message).toBe(`Illegal ${kind} status transition: ${from} -> ${to}`);
};

describe('transitionDeployment ([inferred] model of §4.1)', () => {
  it.each<[DeploymentStatusType, DeploymentStatusType]>([
    ['Created', 'InProgress'],
    ['Created', 'Queued'],
    ['Queued', 'InProgress'],
    ['Created', 'Failed'],
    ['Created', 'Stopped'],
    ['InProgress', 'Succeeded'],
    ['InProgress', 'Failed'],
    ['InProgress', 'Stopped'],
    ['InProgress', 'Ready'],
    ['Ready', 'InProgress'],
    ['Ready', 'Stopped'],
    ['InProgress', 'Baking'],
    ['Baking', 'Succeeded'],
    ['Baking', 'Stopped'],
    ['Baking', 'Failed'],
  ])('%s -> %s is allowed', (from, to) => {
    expect(transitionDeployment(from, to)).toBe(to);
  });

  it.each<[DeploymentStatusType, DeploymentStatusType]>([
    ['Succeeded', 'InProgress'],
    ['Succeeded', 'Failed'],
    ['Failed', 'Succeeded'],
    ['Failed', 'InProgress'],
    ['Stopped', 'InProgress'],
    ['Stopped', 'Succeeded'],
    ['InProgress', 'Created'],
    ['InProgress', 'Queued'],
    ['Created', 'Succeeded'],
    ['Created', 'Baking'],
    ['Queued', 'Ready'],
    ['Baking', 'Ready'],
    ['Ready', 'Baking'],
  ])('%s -> %s is illegal', (from, to) => {
    expectIllegal(() => transitionDeployment(from, to), 'deployment', from, to);
  });

  it('[inferred] Baking is the post-shift wait only, so it never returns to InProgress', () => {
    expectIllegal(() => transitionDeployment('Baking', 'InProgress'), 'deployment', 'Baking', 'InProgress');
  });

  it.each(DEPLOYMENT_STATUS_VALUES)('re-applying %s is a no-op (steps are re-run by retries)', (status) => {
    expect(transitionDeployment(status, status)).toBe(status);
  });

  it('rejects values outside the enum', () => {
    expectIllegal(
      () => transitionDeployment('InProgress', 'Done' as DeploymentStatusType),
      'deployment',
      'InProgress',
      'Done',
    );
    expectIllegal(
      () => transitionDeployment('constructor' as DeploymentStatusType, 'Failed'),
      'deployment',
      'constructor',
      'Failed',
    );
  });

  it.each<[DeploymentStatusType, boolean]>([
    ['Succeeded', true],
    ['Failed', true],
    ['Stopped', true],
    ['Created', false],
    ['Queued', false],
    ['InProgress', false],
    ['Baking', false],
    ['Ready', false],
  ])('%s terminal: %s', (status, terminal) => {
    expect(isTerminalDeploymentStatus(status)).toBe(terminal);
  });
});

describe('transitionTarget', () => {
  it.each<[TargetStatus, TargetStatus]>([
    ['Pending', 'InProgress'],
    ['Pending', 'Skipped'],
    ['InProgress', 'Succeeded'],
    ['InProgress', 'Failed'],
    ['InProgress', 'Ready'],
    ['Ready', 'InProgress'],
    ['InProgress', 'Unknown'],
  ])('%s -> %s is allowed', (from, to) => {
    expect(transitionTarget(from, to)).toBe(to);
  });

  it.each<[TargetStatus, TargetStatus]>([
    ['Pending', 'Succeeded'],
    ['Pending', 'Failed'],
    ['InProgress', 'Pending'],
    ['InProgress', 'Skipped'],
    ['Succeeded', 'Failed'],
    ['Failed', 'Succeeded'],
    ['Skipped', 'InProgress'],
    ['Succeeded', 'InProgress'],
    ['Unknown', 'Succeeded'],
  ])('%s -> %s is illegal', (from, to) => {
    expectIllegal(() => transitionTarget(from, to), 'target', from, to);
  });

  it.each<[TargetStatus, boolean]>([
    ['Succeeded', true],
    ['Failed', true],
    ['Skipped', true],
    ['Unknown', true],
    ['Pending', false],
    ['InProgress', false],
    ['Ready', false],
  ])('%s terminal: %s', (status, terminal) => {
    expect(isTerminalTargetStatus(status)).toBe(terminal);
  });
});

describe('transitionLifecycleEvent', () => {
  it.each<[LifecycleEventStatus, LifecycleEventStatus]>([
    ['Pending', 'InProgress'],
    ['InProgress', 'Succeeded'],
    ['InProgress', 'Failed'],
    ['Pending', 'Skipped'],
    ['InProgress', 'Unknown'],
    ['Succeeded', 'Succeeded'],
  ])('%s -> %s is allowed', (from, to) => {
    expect(transitionLifecycleEvent(from, to)).toBe(to);
  });

  it.each<[LifecycleEventStatus, LifecycleEventStatus]>([
    ['Pending', 'Succeeded'],
    ['Pending', 'Failed'],
    ['InProgress', 'Skipped'],
    ['InProgress', 'Pending'],
    ['Succeeded', 'Failed'],
    ['Failed', 'Succeeded'],
    ['Failed', 'InProgress'],
    ['Skipped', 'InProgress'],
    ['Skipped', 'Succeeded'],
  ])('%s -> %s is illegal', (from, to) => {
    expectIllegal(() => transitionLifecycleEvent(from, to), 'lifecycle event', from, to);
  });

  it.each<[LifecycleEventStatus, boolean]>([
    ['Succeeded', true],
    ['Failed', true],
    ['Skipped', true],
    ['Unknown', true],
    ['Pending', false],
    ['InProgress', false],
  ])('%s terminal: %s', (status, terminal) => {
    expect(isTerminalLifecycleEventStatus(status)).toBe(terminal);
  });
});

describe('EventBridge detail.state (§4.8)', () => {
  it.each<[DeploymentStatusType, string | undefined]>([
    ['InProgress', 'START'],
    ['Succeeded', 'SUCCESS'],
    ['Failed', 'FAILURE'],
    ['Stopped', 'STOP'],
    ['Ready', 'READY'],
    ['Created', undefined],
    ['Queued', undefined],
    ['Baking', undefined],
  ])('deployment %s -> %s', (status, state) => {
    expect(deploymentEventState(status)).toBe(state);
  });

  it.each<[TargetStatus, string | undefined]>([
    ['InProgress', 'START'],
    ['Succeeded', 'SUCCESS'],
    ['Failed', 'FAILURE'],
    ['Ready', 'READY'],
    ['Pending', undefined],
    ['Skipped', undefined],
    ['Unknown', undefined],
  ])('[unverified instance set] instance %s -> %s', (status, state) => {
    expect(instanceEventState(status)).toBe(state);
  });
});
