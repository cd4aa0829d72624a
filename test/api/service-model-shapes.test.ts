/**
 * Every answer of every control-plane operation has exactly the output shape of CodeDeploy's service
 * model, read at test time from Debian's awscli install: no member the model lacks, every required
 * member, the right JSON types (epoch-second timestamps), enum values from the model. Every error is one
 * the operation is modelled to throw (or the JSON protocol's SerializationException/ValidationException),
 * never a 500. The vendored model (functions/api/codedeploy-model.ts) is checked against the installed one.
 *
 * The model comes with the `awscli` package; without it these checks cannot run, and the one test left
 * says so. CI installs awscli and sets STEPDEPLOY_REQUIRE_SERVICE_MODEL=1, which makes its absence a failure.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTROL_PLANE_OPERATION_NAMES,
  handleCodeDeployRequest,
  TARGET_PREFIX,
  type CodeDeployUseCases,
} from '../../functions/api/codedeploy-api.js';
import { recordRevisionUse } from '../../functions/api/application-revisions.js';
import { CODEDEPLOY_MODEL } from '../../functions/api/codedeploy-model.js';
import { startControlPlaneFixture, type ControlPlaneFixture } from '../local/server/control-plane-fixture.js';
import { DEPLOYMENT_OPERATION_NAMES } from '../../functions/api/codedeploy-api.js';
import type { TaskTokenRegistry } from '../../local/engine/tokens.js';
import { checkShape, type BotocoreModel } from './shape-check.js';

const MODEL_PATH = '/usr/lib/python3/dist-packages/awscli/botocore/data/codedeploy/2014-10-06/service-2.json';
const required = process.env.STEPDEPLOY_REQUIRE_SERVICE_MODEL === '1';
const installed = existsSync(MODEL_PATH);

/** OneAtATime reports MOST_CONCURRENCY, a type outside the model's enum (reference §3.2). */
const KNOWN_ENUM_DEVIATIONS = new Set(['MinimumHealthyHostsType=MOST_CONCURRENCY']);
const PROTOCOL_ERRORS = new Set(['SerializationException', 'ValidationException']);

const ROLE = 'arn:aws:iam::123456789012:role/any';
const s3 = (key: string) => ({
  revisionType: 'S3',
  s3Location: { bucket: 'revisions', key, bundleType: 'zip' },
});
const onPremFilter = [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }];

/** [operation, input, expected outcome]: a scenario that calls every operation, with successes and failures. */
type Call = [string, Record<string, unknown>, 'ok' | 'error'];
const SCENARIO: Call[] = [
  [
    'CreateApplication',
    { applicationName: 'shop', computePlatform: 'Server', tags: [{ Key: 'team', Value: 'web' }] },
    'ok',
  ],
  ['CreateApplication', { applicationName: 'fn', computePlatform: 'Lambda' }, 'ok'],
  ['CreateApplication', { applicationName: 'svc', computePlatform: 'ECS' }, 'ok'],
  ['CreateApplication', { applicationName: 'shop' }, 'error'],
  ['CreateApplication', { applicationName: 'a b' }, 'error'],
  ['CreateApplication', { applicationName: 'x'.repeat(101) }, 'error'],
  ['CreateApplication', { applicationName: 'x', computePlatform: 'Mainframe' }, 'error'],
  ['CreateApplication', { applicationName: ['x'] }, 'error'],
  ['GetApplication', { applicationName: 'shop' }, 'ok'],
  ['GetApplication', { applicationName: 'none' }, 'error'],
  ['GetApplication', {}, 'error'],
  ['BatchGetApplications', { applicationNames: ['shop', 'fn', 'svc'] }, 'ok'],
  ['BatchGetApplications', { applicationNames: [] }, 'error'],
  ['BatchGetApplications', { applicationNames: { shop: true } }, 'error'],
  ['ListApplications', {}, 'ok'],
  ['ListApplications', { nextToken: 'garbage' }, 'error'],
  [
    'CreateDeploymentConfig',
    {
      deploymentConfigName: 'Two',
      minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 },
      zonalConfig: { monitorDurationInSeconds: 30 },
    },
    'ok',
  ],
  [
    'CreateDeploymentConfig',
    {
      deploymentConfigName: 'Lin',
      computePlatform: 'ECS',
      trafficRoutingConfig: {
        type: 'TimeBasedLinear',
        timeBasedLinear: { linearPercentage: 20, linearInterval: 2 },
      },
    },
    'ok',
  ],
  [
    'CreateDeploymentConfig',
    { deploymentConfigName: 'Two', minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 } },
    'error',
  ],
  [
    'CreateDeploymentConfig',
    { deploymentConfigName: 'Bad', minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 } },
    'error',
  ],
  [
    'CreateDeploymentConfig',
    {
      deploymentConfigName: 'Bad',
      computePlatform: 'Lambda',
      trafficRoutingConfig: { type: 'TimeBasedCanary' },
    },
    'error',
  ],
  ['GetDeploymentConfig', { deploymentConfigName: 'CodeDeployDefault.OneAtATime' }, 'ok'],
  ['GetDeploymentConfig', { deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes' }, 'ok'],
  ['GetDeploymentConfig', { deploymentConfigName: 'Two' }, 'ok'],
  ['GetDeploymentConfig', { deploymentConfigName: 'Lin' }, 'ok'],
  ['GetDeploymentConfig', { deploymentConfigName: 'Missing' }, 'error'],
  ['ListDeploymentConfigs', {}, 'ok'],
  [
    'CreateDeploymentGroup',
    {
      applicationName: 'shop',
      deploymentGroupName: 'prod',
      serviceRoleArn: ROLE,
      deploymentConfigName: 'Two',
      onPremisesInstanceTagFilters: onPremFilter,
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'tg' }] },
      alarmConfiguration: { enabled: true, alarms: [{ name: 'a' }] },
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'],
      },
      triggerConfigurations: [
        {
          triggerName: 't',
          triggerTargetArn: 'arn:aws:sns:us-east-1:123456789012:t',
          triggerEvents: ['DeploymentSuccess'],
        },
      ],
      autoScalingGroups: [],
      outdatedInstancesStrategy: 'IGNORE',
      terminationHookEnabled: false,
    },
    'ok',
  ],
  [
    'CreateDeploymentGroup',
    {
      applicationName: 'shop',
      deploymentGroupName: 'bg',
      serviceRoleArn: ROLE,
      ec2TagSet: {
        ec2TagSetList: [
          [{ Key: 'env', Value: 'prod', Type: 'KEY_AND_VALUE' }],
          [{ Value: 'web', Type: 'VALUE_ONLY' }],
        ],
      },
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      loadBalancerInfo: { elbInfoList: [{ name: 'classic' }] },
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
      },
    },
    'ok',
  ],
  [
    'CreateDeploymentGroup',
    {
      applicationName: 'fn',
      deploymentGroupName: 'live',
      serviceRoleArn: ROLE,
      deploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
    },
    'ok',
  ],
  [
    'CreateDeploymentGroup',
    {
      applicationName: 'svc',
      deploymentGroupName: 'api',
      serviceRoleArn: ROLE,
      deploymentConfigName: 'Lin',
      ecsServices: [{ serviceName: 'api', clusterName: 'main' }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: 'b' }, { name: 'g' }],
            prodTrafficRoute: { listenerArns: ['arn:l1'] },
            testTrafficRoute: { listenerArns: ['arn:l2'] },
          },
        ],
      },
    },
    'ok',
  ],
  [
    'CreateDeploymentGroup',
    {
      applicationName: 'shop',
      deploymentGroupName: 'x',
      serviceRoleArn: ROLE,
      ec2TagFilters: [{ Key: 'a', Type: 'KEY_ONLY' }],
      ec2TagSet: { ec2TagSetList: [[{ Key: 'b', Type: 'KEY_ONLY' }]] },
    },
    'error',
  ],
  ['CreateDeploymentGroup', { applicationName: 'shop', deploymentGroupName: 'x' }, 'error'],
  [
    'CreateDeploymentGroup',
    { applicationName: 'shop', deploymentGroupName: 'x', serviceRoleArn: ROLE, ec2TagFilters: { Key: 'a' } },
    'error',
  ],
  [
    'CreateDeploymentGroup',
    {
      applicationName: 'shop',
      deploymentGroupName: 'x',
      serviceRoleArn: ROLE,
      deploymentStyle: { deploymentType: 'SIDEWAYS' },
    },
    'error',
  ],
  [
    'CreateDeploymentGroup',
    {
      applicationName: 'shop',
      deploymentGroupName: 'x',
      serviceRoleArn: ROLE,
      autoRollbackConfiguration: { enabled: true, events: [] },
    },
    'error',
  ],
  [
    'CreateDeploymentGroup',
    {
      applicationName: 'fn',
      deploymentGroupName: 'x',
      serviceRoleArn: ROLE,
      onPremisesInstanceTagFilters: onPremFilter,
    },
    'error',
  ],
  [
    'CreateDeploymentGroup',
    {
      applicationName: 'svc',
      deploymentGroupName: 'x',
      serviceRoleArn: ROLE,
      ecsServices: [{ serviceName: 'api', clusterName: 'main' }],
      loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: 'only-one' }] }] },
    },
    'error',
  ],
  ['GetDeploymentGroup', { applicationName: 'shop', deploymentGroupName: 'prod' }, 'ok'],
  ['GetDeploymentGroup', { applicationName: 'shop', deploymentGroupName: 'bg' }, 'ok'],
  ['GetDeploymentGroup', { applicationName: 'fn', deploymentGroupName: 'live' }, 'ok'],
  ['GetDeploymentGroup', { applicationName: 'svc', deploymentGroupName: 'api' }, 'ok'],
  ['GetDeploymentGroup', { applicationName: 'shop', deploymentGroupName: 'none' }, 'error'],
  [
    'BatchGetDeploymentGroups',
    { applicationName: 'shop', deploymentGroupNames: ['prod', 'bg', 'none'] },
    'ok',
  ],
  ['ListDeploymentGroups', { applicationName: 'shop' }, 'ok'],
  ['ListDeploymentGroups', { applicationName: 'none' }, 'error'],
  [
    'UpdateDeploymentGroup',
    {
      applicationName: 'shop',
      currentDeploymentGroupName: 'prod',
      newDeploymentGroupName: 'production',
      ec2TagFilters: [{ Key: 'x', Type: 'KEY_ONLY' }],
    },
    'ok',
  ],
  ['UpdateDeploymentGroup', { applicationName: 'shop', currentDeploymentGroupName: 'prod' }, 'error'],
  [
    'UpdateDeploymentGroup',
    { applicationName: 'shop', currentDeploymentGroupName: 'production', newDeploymentGroupName: 'bg' },
    'error',
  ],
  ['GetDeploymentGroup', { applicationName: 'shop', deploymentGroupName: 'production' }, 'ok'],
  ['DeleteDeploymentConfig', { deploymentConfigName: 'Two' }, 'error'],
  ['DeleteDeploymentConfig', { deploymentConfigName: 'CodeDeployDefault.AllAtOnce' }, 'error'],
  [
    'RegisterApplicationRevision',
    { applicationName: 'shop', revision: s3('shop/v1.zip'), description: 'v1' },
    'ok',
  ],
  [
    'RegisterApplicationRevision',
    {
      applicationName: 'shop',
      revision: { revisionType: 'GitHub', gitHubLocation: { repository: 'me/shop', commitId: 'abc123' } },
    },
    'ok',
  ],
  [
    'RegisterApplicationRevision',
    { applicationName: 'fn', revision: { revisionType: 'String', string: { content: '{"version":0.0}' } } },
    'ok',
  ],
  [
    'RegisterApplicationRevision',
    {
      applicationName: 'svc',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 'version: 0.0' } },
    },
    'ok',
  ],
  ['RegisterApplicationRevision', { applicationName: 'shop', revision: { revisionType: 'S3' } }, 'error'],
  ['RegisterApplicationRevision', { applicationName: 'shop' }, 'error'],
  ['GetApplicationRevision', { applicationName: 'shop', revision: s3('shop/v1.zip') }, 'ok'],
  [
    'GetApplicationRevision',
    {
      applicationName: 'svc',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 'version: 0.0' } },
    },
    'ok',
  ],
  ['GetApplicationRevision', { applicationName: 'shop', revision: s3('shop/none.zip') }, 'error'],
  [
    'ListApplicationRevisions',
    { applicationName: 'shop', sortBy: 'lastUsedTime', sortOrder: 'descending' },
    'ok',
  ],
  [
    'ListApplicationRevisions',
    { applicationName: 'shop', s3Bucket: 'revisions', s3KeyPrefix: 'shop/', deployed: 'ignore' },
    'ok',
  ],
  ['ListApplicationRevisions', { applicationName: 'shop', sortBy: 'size' }, 'error'],
  ['ListApplicationRevisions', { applicationName: 'shop', deployed: 'maybe' }, 'error'],
  [
    'BatchGetApplicationRevisions',
    { applicationName: 'shop', revisions: [s3('shop/v1.zip'), s3('shop/none.zip')] },
    'ok',
  ],
  [
    'BatchGetApplicationRevisions',
    { applicationName: 'shop', revisions: Array.from({ length: 26 }, (_, i) => s3(`k${i}`)) },
    'error',
  ],
  [
    'RegisterOnPremisesInstance',
    { instanceName: 'web-1', iamUserArn: 'arn:aws:iam::123456789012:user/web-1' },
    'ok',
  ],
  [
    'RegisterOnPremisesInstance',
    { instanceName: 'web-2', iamSessionArn: 'arn:aws:sts::123456789012:assumed-role/web/web-2' },
    'ok',
  ],
  [
    'RegisterOnPremisesInstance',
    { instanceName: 'web-1', iamUserArn: 'arn:aws:iam::123456789012:user/other' },
    'error',
  ],
  [
    'RegisterOnPremisesInstance',
    { instanceName: '.hidden', iamUserArn: 'arn:aws:iam::123456789012:user/h' },
    'error',
  ],
  [
    'AddTagsToOnPremisesInstances',
    {
      instanceNames: ['web-1', 'web-2'],
      tags: [
        { Key: 'role', Value: 'web' },
        { Key: 'env', Value: '' },
      ],
    },
    'ok',
  ],
  ['AddTagsToOnPremisesInstances', { instanceNames: ['web-1'], tags: [] }, 'error'],
  ['AddTagsToOnPremisesInstances', { instanceNames: ['ghost'], tags: [{ Key: 'a', Value: 'b' }] }, 'error'],
  [
    'RemoveTagsFromOnPremisesInstances',
    { instanceNames: ['web-2'], tags: [{ Key: 'env', Value: '' }] },
    'ok',
  ],
  ['RemoveTagsFromOnPremisesInstances', { instanceNames: [], tags: [{ Key: 'env', Value: '' }] }, 'error'],
  ['GetOnPremisesInstance', { instanceName: 'web-1' }, 'ok'],
  ['GetOnPremisesInstance', { instanceName: 'ghost' }, 'error'],
  ['BatchGetOnPremisesInstances', { instanceNames: ['web-1', 'web-2', 'ghost'] }, 'ok'],
  ['ListOnPremisesInstances', { tagFilters: onPremFilter }, 'ok'],
  ['ListOnPremisesInstances', { registrationStatus: 'Registered' }, 'ok'],
  ['ListOnPremisesInstances', { registrationStatus: 'Lost' }, 'error'],
  ['ListOnPremisesInstances', { tagFilters: [{ Key: 'role', Type: 'SOMETIMES' }] }, 'error'],
  ['DeregisterOnPremisesInstance', { instanceName: 'web-2' }, 'ok'],
  ['GetOnPremisesInstance', { instanceName: 'web-2' }, 'ok'],
  ['UpdateApplication', { applicationName: 'svc', newApplicationName: 'service' }, 'ok'],
  ['UpdateApplication', { applicationName: 'shop', newApplicationName: 'fn' }, 'error'],
  ['DeleteDeploymentGroup', { applicationName: 'shop', deploymentGroupName: 'bg' }, 'ok'],
  ['DeleteDeploymentGroup', { applicationName: 'service', deploymentGroupName: 'api' }, 'ok'],
  ['DeleteDeploymentConfig', { deploymentConfigName: 'Lin' }, 'ok'],
  ['DeleteApplication', { applicationName: 'fn' }, 'ok'],
  ['DeleteApplication', { applicationName: '' }, 'error'],
  ['GetDeployment', { deploymentId: 'd-123' }, 'error'],
  ['GetDeployment', { deploymentId: 'd-AAAAAAAAA' }, 'error'],
  ['ListDeployments', {}, 'ok'],
  ['ListDeployments', { applicationName: 'shop' }, 'error'],
];

interface Answer {
  operation: string;
  input: Record<string, unknown>;
  expected: 'ok' | 'error';
  statusCode: number;
  body: Record<string, unknown>;
}

/**
 * The deployment operations, on real deployments of the fixture's server (an on-premises instance
 * selected by tag, a revision in its S3 endpoint, one deployment that succeeds and one that fails),
 * and on a Lambda and an ECS deployment recorded as their flows record them, parked on real engine
 * tokens (a hook, a ready wait, a termination wait) so that the operations that end waits succeed.
 */
async function deploymentScenario(fixture: ControlPlaneFixture, answers: Answer[]): Promise<void> {
  const useCases = fixture.listeners.useCases;
  const call = async (operation: string, input: Record<string, unknown>, expected: 'ok' | 'error') => {
    const { statusCode, body } = await handleCodeDeployRequest(
      useCases,
      `${TARGET_PREFIX}${operation}`,
      JSON.stringify(input),
    );
    answers.push({ operation, input, expected, statusCode, body: body as Record<string, unknown> });
    return body as Record<string, unknown>;
  };
  const ok = (operation: string, input: Record<string, unknown>) => call(operation, input, 'ok');
  const error = (operation: string, input: Record<string, unknown>) => call(operation, input, 'error');

  await ok('RegisterOnPremisesInstance', {
    instanceName: 'ship-1',
    iamUserArn: 'arn:aws:iam::123456789012:user/ship-1',
  });
  await ok('AddTagsToOnPremisesInstances', {
    instanceNames: ['ship-1'],
    tags: [{ Key: 'ship', Value: 'yes' }],
  });
  await ok('CreateApplication', { applicationName: 'ship', computePlatform: 'Server' });
  await ok('CreateDeploymentGroup', {
    applicationName: 'ship',
    deploymentGroupName: 'g',
    serviceRoleArn: ROLE,
    onPremisesInstanceTagFilters: [{ Key: 'ship', Value: 'yes', Type: 'KEY_AND_VALUE' }],
  });

  const s3 = new S3Client({
    endpoint: fixture.listeners.s3Endpoint,
    region: fixture.listeners.key.region,
    credentials: fixture.credentials,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'ship' }));
  const bundle = (name: string, appSpec: string) => {
    const dir = join(fixture.stateDir, '..', 'bundles', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'appspec.yml'), appSpec);
    writeFileSync(join(dir, 'fail.sh'), '#!/bin/sh\nexit 2\n', { mode: 0o755 });
    const file = `${dir}.tgz`;
    execFileSync('tar', ['-czf', file, '-C', dir, '.']);
    return readFileSync(file);
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: 'ship',
      Key: 'good.tgz',
      Body: bundle('good', 'version: 0.0\nos: linux\n'),
    }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: 'ship',
      Key: 'bad.tgz',
      Body: bundle('bad', 'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: fail.sh\n'),
    }),
  );
  s3.destroy();
  const revision = (key: string) => ({
    revisionType: 'S3',
    s3Location: { bucket: 'ship', key, bundleType: 'tgz' },
  });
  const finished = async (deploymentId: string) => {
    for (let attempt = 0; attempt < 300; attempt++) {
      const record = await fixture.runtime.deps.store.getDeployment(deploymentId);
      if (record && ['Succeeded', 'Failed', 'Stopped'].includes(record.status)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${deploymentId} did not end`);
  };
  const good = String(
    (
      await ok('CreateDeployment', {
        applicationName: 'ship',
        deploymentGroupName: 'g',
        revision: revision('good.tgz'),
      })
    ).deploymentId,
  );
  await error('CreateDeployment', {
    applicationName: 'ship',
    deploymentGroupName: 'g',
    revision: revision('good.tgz'),
  });
  await finished(good);
  const bad = String(
    (
      await ok('CreateDeployment', {
        applicationName: 'ship',
        deploymentGroupName: 'g',
        revision: revision('bad.tgz'),
        description: 'fails ValidateService',
        fileExistsBehavior: 'OVERWRITE',
        autoRollbackConfiguration: { enabled: false, events: [] },
        overrideAlarmConfiguration: { enabled: false, alarms: [] },
      })
    ).deploymentId,
  );
  await finished(bad);
  await error('CreateDeployment', { applicationName: 'ship', deploymentGroupName: 'g' });
  await error('CreateDeployment', {
    applicationName: 'ship',
    deploymentGroupName: 'g',
    revision: { revisionType: 'GitHub', gitHubLocation: { repository: 'a/b', commitId: 'c' } },
  });
  await error('CreateDeployment', {
    applicationName: 'ship',
    deploymentGroupName: 'g',
    revision: revision('x'),
    fileExistsBehavior: 'MAYBE',
  });

  for (const id of [good, bad]) {
    await ok('GetDeployment', { deploymentId: id });
    await ok('ListDeploymentTargets', { deploymentId: id });
    await ok('GetDeploymentTarget', { deploymentId: id, targetId: 'ship-1' });
    await ok('ListDeploymentInstances', { deploymentId: id });
    await ok('GetDeploymentInstance', { deploymentId: id, instanceId: 'ship-1' });
  }
  await ok('BatchGetDeployments', { deploymentIds: [good, bad, 'd-AAAAAAAAA'] });
  await ok('ListDeployments', {});
  await ok('ListDeployments', {
    applicationName: 'ship',
    deploymentGroupName: 'g',
    includeOnlyStatuses: ['Failed'],
    createTimeRange: { start: 0, end: Date.now() / 1000 + 60 },
  });
  await ok('ListDeploymentTargets', {
    deploymentId: bad,
    targetFilters: { TargetStatus: ['Failed'], ServerInstanceLabel: ['Blue'] },
  });
  await ok('BatchGetDeploymentTargets', { deploymentId: good, targetIds: ['ship-1'] });
  await ok('BatchGetDeploymentInstances', { deploymentId: good, instanceIds: ['ship-1', 'nope'] });
  await error('GetDeployment', { deploymentId: 'x' });
  await error('GetDeployment', {});
  await error('BatchGetDeployments', { deploymentIds: Array.from({ length: 26 }, () => good) });
  await error('ListDeployments', { applicationName: 'ship' });
  await error('ListDeployments', { includeOnlyStatuses: ['Sleeping'] });
  await error('ListDeployments', { nextToken: 'garbage' });
  await error('ListDeploymentTargets', { deploymentId: good, targetFilters: { TargetStatus: ['Sleeping'] } });
  await error('GetDeploymentTarget', { deploymentId: good, targetId: 'nope' });
  await error('BatchGetDeploymentTargets', { deploymentId: good, targetIds: [] });
  await error('GetDeploymentInstance', { deploymentId: good, instanceId: 'nope' });
  await error('StopDeployment', { deploymentId: good });
  await error('ContinueDeployment', { deploymentId: good, deploymentWaitType: 'READY_WAIT' });
  await error('SkipWaitTimeForInstanceTermination', { deploymentId: good });
  await error('PutLifecycleEventHookExecutionStatus', {
    deploymentId: good,
    lifecycleEventHookExecutionId: 'nope',
    status: 'Succeeded',
  });

  // A Lambda deployment parked on its BeforeAllowTraffic hook, and an ECS one on its waits, as their
  // flows record them, each wait a real engine token.
  const store = fixture.runtime.deps.store;
  const tokens = fixture.runtime.engine.taskCallbacks as TaskTokenRegistry;
  const park = (execution: string, state: string) => {
    const token = tokens.issue(execution, state);
    void tokens.park(token, 600).catch(() => undefined);
    return token;
  };
  const now = new Date().toISOString();
  const base = {
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    status: 'InProgress' as const,
    creator: 'user' as const,
    createTime: now,
    startTime: now,
    deploymentStyle: {
      deploymentType: 'BLUE_GREEN' as const,
      deploymentOption: 'WITH_TRAFFIC_CONTROL' as const,
    },
  };
  await store.createDeployment({
    ...base,
    deploymentId: 'd-LAMBDA001',
    applicationName: 'fn',
    deploymentGroupName: 'live',
    computePlatform: 'Lambda',
    deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 'version: 0.0' } },
    lambdaTarget: {
      functionName: 'api',
      functionAlias: 'live',
      currentVersion: '1',
      targetVersion: '2',
      targetVersionWeight: 0,
    },
    lifecycleEvents: [
      { lifecycleEventName: 'BeforeAllowTraffic', status: 'InProgress', startTime: now },
      { lifecycleEventName: 'AllowTraffic', status: 'Pending' },
      { lifecycleEventName: 'AfterAllowTraffic', status: 'Pending' },
    ],
  });
  const hookToken = park('d-LAMBDA001', 'BeforeAllowTraffic');
  await store.putHookExecution({
    lifecycleEventHookExecutionId: 'hook-execution-0001',
    deploymentId: 'd-LAMBDA001',
    lifecycleEventName: 'BeforeAllowTraffic',
    functionName: 'CodeDeployHook_check',
    taskToken: hookToken,
    status: 'Pending',
    createTime: now,
  });
  await store.putPendingWait({
    deploymentId: 'd-LAMBDA001',
    taskToken: hookToken,
    kind: 'Hook',
    stateName: 'BeforeAllowTraffic',
    since: now,
  });
  await ok('GetDeployment', { deploymentId: 'd-LAMBDA001' });
  await ok('ListDeploymentTargets', { deploymentId: 'd-LAMBDA001' });
  await ok('GetDeploymentTarget', { deploymentId: 'd-LAMBDA001', targetId: 'api:live' });
  await error('ListDeploymentInstances', { deploymentId: 'd-LAMBDA001' });
  await ok('PutLifecycleEventHookExecutionStatus', {
    deploymentId: 'd-LAMBDA001',
    lifecycleEventHookExecutionId: 'hook-execution-0001',
    status: 'Succeeded',
  });
  await error('PutLifecycleEventHookExecutionStatus', {
    deploymentId: 'd-LAMBDA001',
    lifecycleEventHookExecutionId: 'hook-execution-0001',
    status: 'Succeeded',
  });
  await error('ContinueDeployment', { deploymentId: 'd-LAMBDA001', deploymentWaitType: 'READY_WAIT' });

  await store.createDeployment({
    ...base,
    deploymentId: 'd-ECSWAIT01',
    applicationName: 'svc',
    deploymentGroupName: 'blue-green',
    computePlatform: 'ECS',
    deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 'version: 0.0' } },
    ecsTarget: {
      targetId: 'main:web',
      targetArn: 'arn:aws:ecs:eu-west-1:123456789012:service/main/web',
      clusterName: 'main',
      serviceName: 'web',
      status: 'InProgress',
      lastUpdatedAt: now,
      taskSetsInfo: [
        {
          identifer: 'ecs-svc/1',
          desiredCount: 2,
          pendingCount: 0,
          runningCount: 2,
          status: 'PRIMARY',
          trafficWeight: 100,
          targetGroup: { name: 'blue' },
          taskSetLabel: 'Blue',
          taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1',
        },
        {
          identifer: 'ecs-svc/2',
          desiredCount: 2,
          pendingCount: 1,
          runningCount: 1,
          status: 'ACTIVE',
          trafficWeight: 0,
          targetGroup: { name: 'green' },
          taskSetLabel: 'Green',
          taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2',
        },
      ],
    },
    lifecycleEvents: [
      { lifecycleEventName: 'BeforeInstall', status: 'Succeeded', startTime: now, endTime: now },
    ],
  });
  await store.putPendingWait({
    deploymentId: 'd-ECSWAIT01',
    taskToken: park('d-ECSWAIT01', 'ReadyWait'),
    kind: 'ReadyWait',
    stateName: 'ReadyWait',
    since: now,
  });
  await ok('GetDeploymentTarget', { deploymentId: 'd-ECSWAIT01', targetId: 'main:web' });
  await ok('BatchGetDeploymentTargets', { deploymentId: 'd-ECSWAIT01', targetIds: ['main:web'] });
  await error('ContinueDeployment', { deploymentId: 'd-ECSWAIT01', deploymentWaitType: 'TERMINATION_WAIT' });
  await ok('ContinueDeployment', { deploymentId: 'd-ECSWAIT01', deploymentWaitType: 'READY_WAIT' });
  await store.putPendingWait({
    deploymentId: 'd-ECSWAIT01',
    taskToken: park('d-ECSWAIT01', 'TerminationWait'),
    kind: 'TerminationWait',
    stateName: 'TerminationWait',
    since: now,
  });
  await ok('SkipWaitTimeForInstanceTermination', { deploymentId: 'd-ECSWAIT01' });
  await ok('StopDeployment', { deploymentId: 'd-ECSWAIT01', autoRollbackEnabled: false });
}

const describeWithModel = installed ? describe : () => undefined;
const describeWithoutModel = installed ? () => undefined : describe;

describeWithModel(`responses against CodeDeploy's service model (${MODEL_PATH})`, () => {
  let model: BotocoreModel;
  let fixture: ControlPlaneFixture;
  const answers: Answer[] = [];

  beforeAll(async () => {
    model = JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as BotocoreModel;
    fixture = await startControlPlaneFixture({ pageSize: 2 });
    const useCases: CodeDeployUseCases = fixture.listeners.useCases;
    for (const [operation, input, expected] of SCENARIO) {
      if (
        operation === 'GetApplicationRevision' &&
        answers.every((a) => a.operation !== 'GetApplicationRevision')
      ) {
        // A used revision, so its answer carries firstUsedTime, lastUsedTime and deploymentGroups.
        await recordRevisionUse(
          fixture.listeners.controlPlane,
          'shop',
          s3('shop/v1.zip') as never,
          'production',
        );
      }
      const { statusCode, body } = await handleCodeDeployRequest(
        useCases,
        `${TARGET_PREFIX}${operation}`,
        JSON.stringify(input),
      );
      answers.push({ operation, input, expected, statusCode, body: body as Record<string, unknown> });
    }
    await deploymentScenario(fixture, answers);
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  it('calls every operation successfully at least once, the control plane and the deployments', () => {
    const succeeded = new Set(answers.filter((a) => a.statusCode === 200).map((a) => a.operation));
    expect(CONTROL_PLANE_OPERATION_NAMES.filter((name) => !succeeded.has(name))).toEqual([]);
    expect(CONTROL_PLANE_OPERATION_NAMES).toHaveLength(27);
    expect(DEPLOYMENT_OPERATION_NAMES.filter((name) => !succeeded.has(name))).toEqual([]);
    expect(DEPLOYMENT_OPERATION_NAMES).toHaveLength(14);
  });

  it('reports a target of each platform: an instance, a Lambda function:alias, an ECS cluster:service', () => {
    const targetTypes = new Set(
      answers
        .filter((a) => a.operation === 'GetDeploymentTarget' && a.statusCode === 200)
        .map((a) => (a.body.deploymentTarget as { deploymentTargetType: string }).deploymentTargetType),
    );
    expect([...targetTypes].sort()).toEqual(['ECSTarget', 'InstanceTarget', 'LambdaTarget']);
  });

  it('answers each call as the scenario expects (a success or a CodeDeploy error, never a 500)', () => {
    const unexpected = answers
      .filter((a) => (a.expected === 'ok') !== (a.statusCode === 200) || a.statusCode >= 500)
      .map(
        (a) =>
          `${a.operation} ${JSON.stringify(a.input).slice(0, 120)} -> ${a.statusCode} ${JSON.stringify(a.body)}`,
      );
    expect(unexpected).toEqual([]);
  });

  it("gives every successful answer exactly the operation's output shape in the installed model", () => {
    const newerMembers = new Set<string>();
    for (const [name, shape] of Object.entries(CODEDEPLOY_MODEL.shapes)) {
      if (shape.type !== 'structure') continue;
      for (const member of Object.keys(shape.members)) {
        if (!model.shapes[name]?.members?.[member]) newerMembers.add(`${name}.${member}`);
      }
    }
    const problems: string[] = [];
    const tolerated = new Set<string>();
    for (const answer of answers.filter((a) => a.statusCode === 200)) {
      const output = model.operations[answer.operation]?.output?.shape;
      if (!output) {
        if (Object.keys(answer.body).length > 0)
          problems.push(
            `${answer.operation}: the model has no output, the answer is ${JSON.stringify(answer.body)}`,
          );
        continue;
      }
      const result = checkShape(model, output, answer.body, {
        newerMembers,
        knownEnumDeviations: KNOWN_ENUM_DEVIATIONS,
      });
      problems.push(...result.problems.map((p) => `${answer.operation} ${p.path}: ${p.problem}`));
      result.tolerated.forEach((path) => tolerated.add(`${answer.operation} ${path}`));
    }
    expect(problems).toEqual([]);
    // Members newer than Debian's model (zonalConfig, terminationHookEnabled), named here so a reader sees them.
    if (tolerated.size)
      console.info(
        `Members newer than ${MODEL_PATH}, checked against the vendored model only:\n  ${[...tolerated].join('\n  ')}`,
      );
  });

  it('answers a failure with an exception the operation is modelled to throw, as HTTP 400 {__type, message}', () => {
    const problems: string[] = [];
    for (const answer of answers.filter((a) => a.statusCode !== 200)) {
      const type = String(answer.body.__type);
      const modelled = new Set([
        ...(model.operations[answer.operation]?.errors ?? []).map((e) => e.shape),
        ...(CODEDEPLOY_MODEL.operations[answer.operation]?.errors ?? []),
      ]);
      if (answer.statusCode !== 400) problems.push(`${answer.operation}: HTTP ${answer.statusCode}`);
      if (!modelled.has(type) && !PROTOCOL_ERRORS.has(type))
        problems.push(`${answer.operation}: ${type} is not modelled for it`);
      if (typeof answer.body.message !== 'string' || answer.body.message.length < 10)
        problems.push(`${answer.operation}: no message`);
      if (Object.keys(answer.body).sort().join() !== '__type,message')
        problems.push(`${answer.operation}: members ${Object.keys(answer.body)}`);
      if (/GROUP#|APPLICATION#|INSTANCE#|dynamodb\.|DEPLOYMENTCONFIG#/.test(String(answer.body.message))) {
        problems.push(`${answer.operation}: an internal key in "${answer.body.message}"`);
      }
    }
    expect(problems).toEqual([]);
    expect(fixture.internalErrors).toEqual([]);
  });

  it('vendors a model that holds everything the installed one has', () => {
    const missing: string[] = [];
    for (const [name, shape] of Object.entries(model.shapes)) {
      const vendored = CODEDEPLOY_MODEL.shapes[name];
      if (shape.exception) {
        if (!CODEDEPLOY_MODEL.exceptions.includes(name)) missing.push(`exception ${name}`);
        continue;
      }
      if (!vendored) {
        missing.push(`shape ${name}`);
        continue;
      }
      if (vendored.type !== shape.type) missing.push(`${name}: type ${vendored.type} vs ${shape.type}`);
      for (const member of Object.keys(shape.members ?? {})) {
        if (vendored.type !== 'structure' || !vendored.members[member]) missing.push(`${name}.${member}`);
      }
      for (const value of shape.enum ?? []) {
        if (vendored.type !== 'string' || !vendored.enum?.includes(value))
          missing.push(`${name} enum ${value}`);
      }
    }
    for (const [name, operation] of Object.entries(model.operations)) {
      const vendored = CODEDEPLOY_MODEL.operations[name];
      if (
        !vendored ||
        vendored.input !== operation.input?.shape ||
        vendored.output !== operation.output?.shape
      )
        missing.push(`operation ${name}`);
      for (const error of operation.errors ?? [])
        if (!vendored?.errors.includes(error.shape)) missing.push(`${name} error ${error.shape}`);
    }
    expect(missing).toEqual([]);
    expect(CODEDEPLOY_MODEL.targetPrefix).toBe(model.metadata.targetPrefix);
  });
});

describeWithoutModel("responses against CodeDeploy's service model", () => {
  it(`cannot run: ${MODEL_PATH} is absent (install Debian's awscli); this fails when STEPDEPLOY_REQUIRE_SERVICE_MODEL=1`, () => {
    console.warn(
      `The shape tests did not run: CodeDeploy's service model is not installed at ${MODEL_PATH}.`,
    );
    expect(required, 'STEPDEPLOY_REQUIRE_SERVICE_MODEL=1 but the service model is missing').toBe(false);
  });
});

describe('the shape check itself', () => {
  const model: BotocoreModel = {
    metadata: {},
    operations: {},
    shapes: {
      Info: {
        type: 'structure',
        required: ['name'],
        members: {
          name: { shape: 'Name' },
          when: { shape: 'Time' },
          kind: { shape: 'Kind' },
          tags: { shape: 'Tags' },
        },
      },
      Name: { type: 'string' },
      Time: { type: 'timestamp' },
      Kind: { type: 'string', enum: ['A', 'B'] },
      Tags: { type: 'list', member: { shape: 'Name' } },
    },
  };
  it.each([
    [{ name: 'x', when: 1700000000.5, kind: 'A', tags: ['t'] }, []],
    [{ when: 1700000000 }, ['$: missing required member name']],
    [{ name: 'x', extra: 1 }, ['$: member extra is not in Info']],
    [{ name: 'x', kind: 'C' }, ['$.kind: "C" is not one of Kind: A, B']],
    [
      { name: 'x', when: '2024-01-01T00:00:00Z' },
      ['$.when: expected a timestamp in epoch seconds, got "2024-01-01T00:00:00Z"'],
    ],
    [
      { name: 'x', when: 1700000000000 },
      ['$.when: expected a timestamp in epoch seconds, got 1700000000000'],
    ],
    [{ name: 'x', tags: { a: 'b' } }, ['$.tags: expected a list (Tags)']],
  ])('checks %j', (value, expected) => {
    expect(checkShape(model, 'Info', value).problems.map((p) => `${p.path}: ${p.problem}`)).toEqual(expected);
  });
  it('tolerates only the named newer members and enum deviations', () => {
    const result = checkShape(
      model,
      'Info',
      { name: 'x', zonal: 1, kind: 'Z' },
      { newerMembers: new Set(['Info.zonal']), knownEnumDeviations: new Set(['Kind=Z']) },
    );
    expect(result).toEqual({ problems: [], tolerated: ['$.zonal'] });
  });
});
