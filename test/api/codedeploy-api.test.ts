/**
 * The JSON 1.1 protocol layer of the API, in process: the model-driven input checks answer with
 * CodeDeploy's exceptions before any store is touched, the protocol's own errors are clear 400s, and an
 * unexpected failure is a 500 that says nothing internal.
 */
import { describe, expect, it } from 'vitest';
import { AwsServiceError } from '../../functions/adapters/aws/errors.js';
import {
  CONTROL_PLANE_OPERATION_NAMES,
  DEPLOYMENT_OPERATION_NAMES,
  handleCodeDeployRequest,
  MAX_REQUEST_BODY_BYTES,
  operationAuth,
  SUPPORTED_OPERATIONS,
  TARGET_PREFIX,
  type CodeDeployUseCases,
  type ControlPlane,
} from '../../functions/api/codedeploy-api.js';
import { CODEDEPLOY_MODEL } from '../../functions/api/codedeploy-model.js';

/** Stores that fail the test if validation let a bad request through to them. */
const untouchable = <T extends object>(name: string): T =>
  new Proxy({} as T, {
    get: (_target, property) => () => {
      throw new Error(`${name}.${String(property)} was called: the request should have been refused first`);
    },
  });

function useCases(overrides: Partial<ControlPlane> = {}, internalErrors: unknown[] = []): CodeDeployUseCases {
  return {
    store: untouchable('store'),
    executions: untouchable('executions'),
    clock: { now: () => new Date('2026-01-01T00:00:00Z') },
    random: untouchable('random'),
    stopDeployment: () => Promise.reject(new Error('not here')),
    continueDeployment: () => Promise.reject(new Error('not here')),
    putLifecycleEventHookExecutionStatus: () => Promise.reject(new Error('not here')),
    controlPlane: {
      applications: untouchable('applications'),
      deploymentGroups: untouchable('deploymentGroups'),
      deploymentConfigs: untouchable('deploymentConfigs'),
      revisions: untouchable('revisions'),
      onPremisesInstances: untouchable('onPremisesInstances'),
      clock: { now: () => new Date('2026-01-01T00:00:00Z') },
      newId: () => '00000000-0000-4000-8000-000000000000',
      region: 'us-east-1',
      ...overrides,
    },
    onInternalError: (error) => void internalErrors.push(error),
  };
}

async function call(operation: string, body: unknown, cases = useCases()) {
  const response = await handleCodeDeployRequest(
    cases,
    `${TARGET_PREFIX}${operation}`,
    typeof body === 'string' ? body : JSON.stringify(body),
  );
  return { statusCode: response.statusCode, body: response.body as { __type?: string; message?: string } };
}

describe('the operation table', () => {
  it('serves 41 operations: the 27 of the control plane and the 14 deployment operations of issue 9', () => {
    expect(CONTROL_PLANE_OPERATION_NAMES).toHaveLength(27);
    expect(DEPLOYMENT_OPERATION_NAMES).toEqual([
      'BatchGetDeploymentInstances',
      'BatchGetDeploymentTargets',
      'BatchGetDeployments',
      'ContinueDeployment',
      'CreateDeployment',
      'GetDeployment',
      'GetDeploymentInstance',
      'GetDeploymentTarget',
      'ListDeploymentInstances',
      'ListDeploymentTargets',
      'ListDeployments',
      'PutLifecycleEventHookExecutionStatus',
      'SkipWaitTimeForInstanceTermination',
      'StopDeployment',
    ]);
    expect(SUPPORTED_OPERATIONS).toHaveLength(41);
    expect(SUPPORTED_OPERATIONS.filter((name) => !CODEDEPLOY_MODEL.operations[name])).toEqual([]);
  });

  it('lets only PutLifecycleEventHookExecutionStatus go without a signature', () => {
    const unsigned = Object.keys(CODEDEPLOY_MODEL.operations).filter(
      (name) => operationAuth(`${TARGET_PREFIX}${name}`) !== 'signature',
    );
    expect(unsigned).toEqual(['PutLifecycleEventHookExecutionStatus']);
    expect(operationAuth(undefined)).toBe('signature');
    expect(operationAuth('Other_20200101.PutLifecycleEventHookExecutionStatus')).toBe('signature');
  });
});

describe('input checked against the model before anything runs', () => {
  it.each<[string, string, unknown, string, RegExp]>([
    [
      'an object where a list belongs',
      'BatchGetApplications',
      { applicationNames: { shop: true } },
      'SerializationException',
      /applicationNames: expected a list \(ApplicationsList\), got an object/,
    ],
    [
      'a number where a string belongs',
      'GetApplication',
      { applicationName: 5 },
      'SerializationException',
      /applicationName: expected a string, got a number/,
    ],
    [
      'a nested wrong type, named by its path',
      'CreateDeploymentGroup',
      {
        applicationName: 'a',
        deploymentGroupName: 'g',
        serviceRoleArn: 'r',
        ec2TagFilters: [{ Key: 'k', Type: 7 }],
      },
      'SerializationException',
      /ec2TagFilters\[0\]\.Type: expected a string/,
    ],
    [
      'a string where a number belongs',
      'CreateDeploymentConfig',
      { deploymentConfigName: 'c', minimumHealthyHosts: { type: 'HOST_COUNT', value: '2' } },
      'SerializationException',
      /minimumHealthyHosts\.value: expected a whole number/,
    ],
    [
      'a missing application name',
      'GetApplication',
      {},
      'ApplicationNameRequiredException',
      /applicationName is required/,
    ],
    [
      'a missing group name',
      'CreateDeploymentGroup',
      { applicationName: 'a', serviceRoleArn: 'r' },
      'DeploymentGroupNameRequiredException',
      /deploymentGroupName is required/,
    ],
    [
      'a missing current group name',
      'UpdateDeploymentGroup',
      { applicationName: 'a' },
      'DeploymentGroupNameRequiredException',
      /currentDeploymentGroupName is required/,
    ],
    [
      'a missing service role',
      'CreateDeploymentGroup',
      { applicationName: 'a', deploymentGroupName: 'g' },
      'RoleRequiredException',
      /serviceRoleArn is required/,
    ],
    [
      'missing tags',
      'AddTagsToOnPremisesInstances',
      { instanceNames: ['i'] },
      'TagRequiredException',
      /tags is required/,
    ],
    [
      'a missing instance name',
      'RegisterOnPremisesInstance',
      { iamUserArn: 'arn' },
      'InstanceNameRequiredException',
      /instanceName is required/,
    ],
    [
      'a missing revision',
      'RegisterApplicationRevision',
      { applicationName: 'a' },
      'RevisionRequiredException',
      /revision is required/,
    ],
    [
      'a missing deployment id',
      'GetDeployment',
      {},
      'DeploymentIdRequiredException',
      /deploymentId is required/,
    ],
    [
      'an unknown compute platform',
      'CreateApplication',
      { applicationName: 'a', computePlatform: 'Mainframe' },
      'InvalidComputePlatformException',
      /"Mainframe" is not one of Server, Lambda, ECS/,
    ],
    [
      'an unknown deployment type',
      'CreateDeploymentGroup',
      {
        applicationName: 'a',
        deploymentGroupName: 'g',
        serviceRoleArn: 'r',
        deploymentStyle: { deploymentType: 'SIDEWAYS' },
      },
      'InvalidDeploymentStyleException',
      /deploymentStyle\.deploymentType/,
    ],
    [
      'an unknown EC2 filter type',
      'CreateDeploymentGroup',
      { applicationName: 'a', deploymentGroupName: 'g', serviceRoleArn: 'r', ec2TagFilters: [{ Type: 'X' }] },
      'InvalidEC2TagException',
      /ec2TagFilters\[0\]\.Type/,
    ],
    [
      'an unknown on-premises filter type',
      'CreateDeploymentGroup',
      {
        applicationName: 'a',
        deploymentGroupName: 'g',
        serviceRoleArn: 'r',
        onPremisesInstanceTagFilters: [{ Type: 'X' }],
      },
      'InvalidTagException',
      /onPremisesInstanceTagFilters\[0\]\.Type/,
    ],
    [
      'an unknown rollback event',
      'CreateDeploymentGroup',
      {
        applicationName: 'a',
        deploymentGroupName: 'g',
        serviceRoleArn: 'r',
        autoRollbackConfiguration: { events: ['ALWAYS'] },
      },
      'InvalidAutoRollbackConfigException',
      /autoRollbackConfiguration\.events\[0\]/,
    ],
    [
      'an unknown listing filter type',
      'ListOnPremisesInstances',
      { tagFilters: [{ Key: 'k', Type: 'X' }] },
      'InvalidTagFilterException',
      /tagFilters\[0\]\.Type/,
    ],
    [
      'an unknown registration status',
      'ListOnPremisesInstances',
      { registrationStatus: 'Lost' },
      'InvalidRegistrationStatusException',
      /registrationStatus/,
    ],
    [
      'an unknown sort',
      'ListApplicationRevisions',
      { applicationName: 'a', sortBy: 'size' },
      'InvalidSortByException',
      /sortBy/,
    ],
    [
      'an unknown deployed filter',
      'ListApplicationRevisions',
      { applicationName: 'a', deployed: 'maybe' },
      'InvalidDeployedStateFilterException',
      /deployed/,
    ],
    [
      'an unknown revision type',
      'RegisterApplicationRevision',
      { applicationName: 'a', revision: { revisionType: 'FTP' } },
      'InvalidRevisionException',
      /revision\.revisionType/,
    ],
    [
      'an application name over 100 characters',
      'GetApplication',
      { applicationName: 'a'.repeat(101) },
      'InvalidApplicationNameException',
      /at most 100/,
    ],
    [
      'an unknown traffic routing type',
      'CreateDeploymentConfig',
      { deploymentConfigName: 'c', trafficRoutingConfig: { type: 'Sudden' } },
      'InvalidTrafficRoutingConfigurationException',
      /trafficRoutingConfig\.type/,
    ],
  ])('refuses %s', async (_name, operation, body, type, message) => {
    const { statusCode, body: answer } = await call(operation, body);
    expect(statusCode).toBe(400);
    expect(answer.__type).toBe(type);
    expect(answer.message).toMatch(message);
    expect(Object.keys(answer).sort()).toEqual(['__type', 'message']);
  });

  it('reads JSON null as an absent member, and ignores members the model does not know', async () => {
    const listed = await call(
      'ListApplications',
      { nextToken: null, futureMember: 1 },
      useCases({
        applications: {
          listApplications: async () => ({ items: ['a'] }),
        } as never,
      }),
    );
    expect(listed).toEqual({ statusCode: 200, body: { applications: ['a'] } });
  });
});

describe('protocol errors', () => {
  it.each<[string, string | undefined, string, string, RegExp]>([
    [
      'a body that is not JSON',
      `${TARGET_PREFIX}ListApplications`,
      '{"a":',
      'SerializationException',
      /not valid JSON/,
    ],
    [
      'a JSON array body',
      `${TARGET_PREFIX}ListApplications`,
      '[]',
      'SerializationException',
      /must be a JSON object/,
    ],
    [
      'an operation CodeDeploy lacks',
      `${TARGET_PREFIX}LaunchRockets`,
      '{}',
      'UnknownOperationException',
      /Unsupported operation: CodeDeploy_20141006\.LaunchRockets/,
    ],
    [
      'an operation stepdeploy does not serve',
      `${TARGET_PREFIX}ListGitHubAccountTokenNames`,
      '{}',
      'UnknownOperationException',
      /Unsupported operation/,
    ],
    ['no X-Amz-Target', undefined, '{}', 'UnknownOperationException', /set X-Amz-Target/],
  ])('answers %s with a 400', async (_name, target, body, type, message) => {
    const response = await handleCodeDeployRequest(useCases(), target, body);
    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({ __type: type, message: expect.stringMatching(message) });
  });

  it('answers an oversized body with 413 before parsing it', async () => {
    const response = await handleCodeDeployRequest(
      useCases(),
      `${TARGET_PREFIX}ListApplications`,
      ' '.repeat(MAX_REQUEST_BODY_BYTES + 1),
    );
    expect(response).toEqual({
      statusCode: 413,
      body: {
        __type: 'RequestEntityTooLargeException',
        message: `The request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes, the limit.`,
      },
    });
  });

  it('serves only the operations it is allowed (the AWS hook endpoint serves one)', async () => {
    const response = await handleCodeDeployRequest(useCases(), `${TARGET_PREFIX}ListApplications`, '{}', [
      'PutLifecycleEventHookExecutionStatus',
    ]);
    expect(response.body).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('answers an unexpected failure with a 500 that names no internal key, and reports the failure', async () => {
    const internalErrors: unknown[] = [];
    const failing = useCases(
      {
        applications: {
          getApplication: async () => {
            throw new AwsServiceError(
              'dynamodb.GetItem (APPLICATION#shop): InternalServerError: boom',
              'InternalServerError',
              {
                service: 'dynamodb',
                operation: 'GetItem',
              },
            );
          },
        } as never,
      },
      internalErrors,
    );
    const response = await call('GetApplication', { applicationName: 'shop' }, failing);
    expect(response.statusCode).toBe(500);
    expect(response.body.__type).toBe('InternalFailure');
    expect(response.body.message).not.toMatch(/APPLICATION#|dynamodb|boom/);
    expect(response.body.message).toMatch(/^GetApplication failed on the server/);
    expect(internalErrors).toHaveLength(1);
  });
});
