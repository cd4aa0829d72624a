/**
 * The real @aws-sdk/client-codedeploy drives the local control plane (the API listener of
 * local/server/ over dynalite), through every operation of the first half of issue 9, its paginators
 * (pages of 2) and the exception classes it throws: what a CodeDeploy user's code sees.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  AddTagsToOnPremisesInstancesCommand,
  AlarmsLimitExceededException,
  ApplicationAlreadyExistsException,
  ApplicationDoesNotExistException,
  ApplicationNameRequiredException,
  BatchGetApplicationRevisionsCommand,
  BatchGetApplicationsCommand,
  BatchGetDeploymentGroupsCommand,
  BatchGetOnPremisesInstancesCommand,
  BatchLimitExceededException,
  BucketNameFilterRequiredException,
  CodeDeployClient,
  CodeDeployServiceException,
  CreateApplicationCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  DeleteApplicationCommand,
  DeleteDeploymentConfigCommand,
  DeleteDeploymentGroupCommand,
  DeploymentConfigAlreadyExistsException,
  DeploymentConfigDoesNotExistException,
  DeploymentConfigInUseException,
  DeploymentDoesNotExistException,
  DeploymentGroupAlreadyExistsException,
  DeploymentGroupDoesNotExistException,
  DeregisterOnPremisesInstanceCommand,
  DescriptionTooLongException,
  ECSServiceMappingLimitExceededException,
  GetApplicationCommand,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  GetOnPremisesInstanceCommand,
  IamArnRequiredException,
  IamUserArnAlreadyRegisteredException,
  InstanceNameAlreadyRegisteredException,
  InstanceNotRegisteredException,
  InvalidApplicationNameException,
  InvalidComputePlatformException,
  InvalidDeploymentConfigNameException,
  InvalidDeploymentIdException,
  InvalidDeploymentStyleException,
  InvalidEC2TagCombinationException,
  InvalidECSServiceException,
  InvalidIamUserArnException,
  InvalidInstanceNameException,
  InvalidMinimumHealthyHostValueException,
  InvalidNextTokenException,
  InvalidOnPremisesTagCombinationException,
  InvalidOperationException,
  InvalidRevisionException,
  InvalidRoleException,
  InvalidTagException,
  InvalidTargetGroupPairException,
  InvalidTrafficRoutingConfigurationException,
  ListApplicationRevisionsCommand,
  ListApplicationsCommand,
  ListDeploymentsCommand,
  ListOnPremisesInstancesCommand,
  MultipleIamArnsProvidedException,
  paginateListApplicationRevisions,
  paginateListApplications,
  paginateListDeploymentConfigs,
  paginateListDeploymentGroups,
  RegisterApplicationRevisionCommand,
  RegisterOnPremisesInstanceCommand,
  RemoveTagsFromOnPremisesInstancesCommand,
  RevisionDoesNotExistException,
  RoleRequiredException,
  TagLimitExceededException,
  TagSetListLimitExceededException,
  UpdateApplicationCommand,
  UpdateDeploymentGroupCommand,
  type CreateDeploymentGroupCommandInput,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordRevisionUse } from '../../../functions/api/application-revisions.js';
import { startControlPlaneFixture, type ControlPlaneFixture } from './control-plane-fixture.js';

const ROLE = 'arn:aws:iam::123456789012:role/CodeDeployService';
const USER = (name: string) => `arn:aws:iam::123456789012:user/${name}`;

let fixture: ControlPlaneFixture;
let client: CodeDeployClient;

beforeAll(async () => {
  fixture = await startControlPlaneFixture({ pageSize: 2 });
  client = new CodeDeployClient({
    endpoint: fixture.listeners.endpoint,
    region: fixture.listeners.key.region,
    credentials: fixture.credentials,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await fixture?.dispose();
});

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

function serverGroup(
  name: string,
  extra: Partial<CreateDeploymentGroupCommandInput> = {},
): CreateDeploymentGroupCommandInput {
  return {
    applicationName: 'shop',
    deploymentGroupName: name,
    serviceRoleArn: ROLE,
    onPremisesInstanceTagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }],
    ...extra,
  };
}

describe('applications', () => {
  it('creates, gets, batch-gets, lists page by page, renames and deletes applications', async () => {
    const { applicationId } = await client.send(
      new CreateApplicationCommand({ applicationName: 'shop', computePlatform: 'Server' }),
    );
    expect(applicationId).toMatch(/^[0-9a-f-]{36}$/);
    await client.send(new CreateApplicationCommand({ applicationName: 'fn', computePlatform: 'Lambda' }));
    await client.send(new CreateApplicationCommand({ applicationName: 'svc', computePlatform: 'ECS' }));
    // computePlatform defaults to Server, as CodeDeploy's.
    await client.send(new CreateApplicationCommand({ applicationName: 'legacy' }));

    const { application } = await client.send(new GetApplicationCommand({ applicationName: 'shop' }));
    expect(application).toMatchObject({
      applicationId,
      applicationName: 'shop',
      computePlatform: 'Server',
      linkedToGitHub: false,
    });
    expect(application?.createTime).toBeInstanceOf(Date);
    expect(Math.abs(application!.createTime!.getTime() - Date.now())).toBeLessThan(60_000);

    const { applicationsInfo } = await client.send(
      new BatchGetApplicationsCommand({ applicationNames: ['fn', 'legacy'] }),
    );
    expect(applicationsInfo?.map((app) => [app.applicationName, app.computePlatform])).toEqual([
      ['fn', 'Lambda'],
      ['legacy', 'Server'],
    ]);

    const pages = await collect(paginateListApplications({ client }, {}));
    expect(pages.length).toBe(2);
    expect(pages.flatMap((page) => page.applications)).toEqual(['fn', 'legacy', 'shop', 'svc']);

    await client.send(
      new UpdateApplicationCommand({ applicationName: 'legacy', newApplicationName: 'renamed' }),
    );
    await expect(
      client.send(new GetApplicationCommand({ applicationName: 'legacy' })),
    ).rejects.toBeInstanceOf(ApplicationDoesNotExistException);
    expect(
      (await client.send(new GetApplicationCommand({ applicationName: 'renamed' }))).application
        ?.applicationId,
    ).toBeDefined();
  });

  it('throws the SDK exception classes CodeDeploy models for bad application calls', async () => {
    await expect(
      client.send(new CreateApplicationCommand({ applicationName: 'shop' })),
    ).rejects.toBeInstanceOf(ApplicationAlreadyExistsException);
    await expect(
      client.send(new GetApplicationCommand({ applicationName: 'missing' })),
    ).rejects.toBeInstanceOf(ApplicationDoesNotExistException);
    await expect(
      client.send(new GetApplicationCommand({ applicationName: 'bad name!' })),
    ).rejects.toBeInstanceOf(InvalidApplicationNameException);
    await expect(client.send(new GetApplicationCommand({} as never))).rejects.toBeInstanceOf(
      ApplicationNameRequiredException,
    );
    await expect(
      client.send(
        new CreateApplicationCommand({ applicationName: 'x1', computePlatform: 'Mainframe' as never }),
      ),
    ).rejects.toBeInstanceOf(InvalidComputePlatformException);
    const tooMany = Array.from({ length: 101 }, (_, i) => `app-${i}`);
    await expect(
      client.send(new BatchGetApplicationsCommand({ applicationNames: tooMany })),
    ).rejects.toBeInstanceOf(BatchLimitExceededException);
    await expect(
      client.send(new BatchGetApplicationsCommand({ applicationNames: ['shop', 'missing'] })),
    ).rejects.toBeInstanceOf(ApplicationDoesNotExistException);
    await expect(
      client.send(new ListApplicationsCommand({ nextToken: 'not-a-token' })),
    ).rejects.toBeInstanceOf(InvalidNextTokenException);
    const error = await client
      .send(new GetApplicationCommand({ applicationName: 'missing' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodeDeployServiceException);
    expect((error as CodeDeployServiceException).$metadata.httpStatusCode).toBe(400);
    expect((error as Error).message).toBe('No application found for name: missing');
  });
});

describe('deployment groups', () => {
  it('creates a Server group the engine reads from its CONFIG item, with the defaults CodeDeploy reports', async () => {
    const { deploymentGroupId } = await client.send(
      new CreateDeploymentGroupCommand(
        serverGroup('prod', {
          deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
          deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
          loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-tg' }] },
          alarmConfiguration: { enabled: true, alarms: [{ name: 'errors' }] },
          autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
          triggerConfigurations: [
            {
              triggerName: 'notify',
              triggerTargetArn: 'arn:aws:sns:us-east-1:123456789012:deploys',
              triggerEvents: ['DeploymentFailure'],
            },
          ],
          tags: [{ Key: 'team', Value: 'web' }],
        }),
      ),
    );
    const { deploymentGroupInfo: info } = await client.send(
      new GetDeploymentGroupCommand({ applicationName: 'shop', deploymentGroupName: 'prod' }),
    );
    expect(info).toMatchObject({
      applicationName: 'shop',
      deploymentGroupId,
      deploymentGroupName: 'prod',
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      computePlatform: 'Server',
      serviceRoleArn: ROLE,
      ec2TagFilters: [],
      autoScalingGroups: [],
      onPremisesInstanceTagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }],
      alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'errors' }] },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      outdatedInstancesStrategy: 'UPDATE',
      loadBalancerInfo: { targetGroupInfoList: [{ name: 'web-tg' }] },
    });
    // One record shape: the engine's store reads the same group, with the target groups it routes through.
    const record = await fixture.runtime.deps.store.getDeploymentGroup('shop', 'prod');
    expect(record).toMatchObject({
      deploymentGroupId,
      computePlatform: 'Server',
      targetGroupNames: ['web-tg'],
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
    });
    expect(record?.alarmConfiguration).toEqual({
      enabled: true,
      ignorePollAlarmFailure: false,
      alarms: [{ name: 'errors' }],
    });
  });

  it('updates only what the request gives, keeps the engine fields, and renames', async () => {
    const store = fixture.runtime.deps.store;
    const before = await store.getDeploymentGroup('shop', 'prod');
    await store.putDeploymentGroup({
      ...before!,
      instanceHealth: { 'web-1': 'Healthy' },
      lastSuccessfulDeploymentId: 'd-AAAAAAAAA',
    });

    await client.send(
      new UpdateDeploymentGroupCommand({
        applicationName: 'shop',
        currentDeploymentGroupName: 'prod',
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        onPremisesTagSet: {
          onPremisesTagSetList: [
            [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }],
            [{ Key: 'zone', Type: 'KEY_ONLY' }],
          ],
        },
        deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      }),
    );
    const after = await store.getDeploymentGroup('shop', 'prod');
    expect(after).toMatchObject({
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      instanceHealth: { 'web-1': 'Healthy' },
      lastSuccessfulDeploymentId: 'd-AAAAAAAAA',
      alarmConfiguration: { enabled: true, alarms: [{ name: 'errors' }] },
      onPremisesInstanceTagFilters: [],
    });
    // No traffic control any more: the engine routes through no target group.
    expect(after?.targetGroupNames).toBeUndefined();
    const { deploymentGroupInfo } = await client.send(
      new GetDeploymentGroupCommand({ applicationName: 'shop', deploymentGroupName: 'prod' }),
    );
    expect(deploymentGroupInfo?.onPremisesTagSet?.onPremisesTagSetList).toHaveLength(2);
    expect(deploymentGroupInfo?.lastSuccessfulDeployment).toEqual({ deploymentId: 'd-AAAAAAAAA' });

    await client.send(
      new UpdateDeploymentGroupCommand({
        applicationName: 'shop',
        currentDeploymentGroupName: 'prod',
        newDeploymentGroupName: 'production',
      }),
    );
    await expect(
      client.send(new GetDeploymentGroupCommand({ applicationName: 'shop', deploymentGroupName: 'prod' })),
    ).rejects.toBeInstanceOf(DeploymentGroupDoesNotExistException);
    const renamed = await store.getDeploymentGroup('shop', 'production');
    expect(renamed).toMatchObject({
      deploymentGroupId: before?.deploymentGroupId,
      instanceHealth: { 'web-1': 'Healthy' },
    });
  });

  it('lists page by page and batch-gets, naming the groups it did not find', async () => {
    await client.send(new CreateDeploymentGroupCommand(serverGroup('staging')));
    await client.send(new CreateDeploymentGroupCommand(serverGroup('canary')));
    const pages = await collect(paginateListDeploymentGroups({ client }, { applicationName: 'shop' }));
    expect(pages.length).toBe(2);
    expect(pages.flatMap((page) => page.deploymentGroups)).toEqual(['canary', 'production', 'staging']);
    expect(pages[0]?.applicationName).toBe('shop');
    const batch = await client.send(
      new BatchGetDeploymentGroupsCommand({
        applicationName: 'shop',
        deploymentGroupNames: ['staging', 'nope'],
      }),
    );
    expect(batch.deploymentGroupsInfo?.map((group) => group.deploymentGroupName)).toEqual(['staging']);
    expect(batch.errorMessage).toContain('nope');
  });

  it('creates Lambda and ECS groups blue/green with traffic control, an ECS service in one group only', async () => {
    await client.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'fn',
        deploymentGroupName: 'live',
        serviceRoleArn: ROLE,
      }),
    );
    const lambda = await client.send(
      new GetDeploymentGroupCommand({ applicationName: 'fn', deploymentGroupName: 'live' }),
    );
    expect(lambda.deploymentGroupInfo).toMatchObject({
      computePlatform: 'Lambda',
      deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    });
    const ecs = {
      applicationName: 'svc',
      serviceRoleArn: ROLE,
      ecsServices: [{ clusterName: 'main', serviceName: 'api' }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: 'blue' }, { name: 'green' }],
            prodTrafficRoute: {
              listenerArns: ['arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/1/2'],
            },
          },
        ],
      },
    };
    await client.send(new CreateDeploymentGroupCommand({ ...ecs, deploymentGroupName: 'api' }));
    const { deploymentGroupInfo } = await client.send(
      new GetDeploymentGroupCommand({ applicationName: 'svc', deploymentGroupName: 'api' }),
    );
    expect(deploymentGroupInfo).toMatchObject({
      computePlatform: 'ECS',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      ecsServices: [{ clusterName: 'main', serviceName: 'api' }],
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
      },
    });
    await expect(
      client.send(new CreateDeploymentGroupCommand({ ...ecs, deploymentGroupName: 'api-2' })),
    ).rejects.toBeInstanceOf(ECSServiceMappingLimitExceededException);
    // Deleting the group frees its service.
    await client.send(
      new DeleteDeploymentGroupCommand({ applicationName: 'svc', deploymentGroupName: 'api' }),
    );
    await client.send(new CreateDeploymentGroupCommand({ ...ecs, deploymentGroupName: 'api-2' }));
  });

  it.each([
    [
      'both ec2TagFilters and ec2TagSet',
      InvalidEC2TagCombinationException,
      serverGroup('x', {
        ec2TagFilters: [{ Key: 'a', Type: 'KEY_ONLY' }],
        ec2TagSet: { ec2TagSetList: [[{ Key: 'b', Type: 'KEY_ONLY' }]] },
      }),
    ],
    [
      'both on-premises filters and set',
      InvalidOnPremisesTagCombinationException,
      serverGroup('x', {
        onPremisesTagSet: { onPremisesTagSetList: [[{ Key: 'b', Type: 'KEY_ONLY' }]] },
      }),
    ],
    [
      'four tag groups',
      TagSetListLimitExceededException,
      serverGroup('x', {
        onPremisesInstanceTagFilters: [],
        onPremisesTagSet: {
          onPremisesTagSetList: [1, 2, 3, 4].map((i) => [{ Key: `k${i}`, Type: 'KEY_ONLY' as const }]),
        },
      }),
    ],
    [
      'a filter without a type',
      InvalidTagException,
      serverGroup('x', { onPremisesInstanceTagFilters: [{ Key: 'role', Value: 'web' }] }),
    ],
    ['no service role', RoleRequiredException, { ...serverGroup('x'), serviceRoleArn: undefined }],
    ['a user ARN as service role', InvalidRoleException, serverGroup('x', { serviceRoleArn: USER('u') })],
    [
      'an unknown config',
      DeploymentConfigDoesNotExistException,
      serverGroup('x', { deploymentConfigName: 'Nope' }),
    ],
    [
      'a Lambda config on a Server group',
      InvalidDeploymentConfigNameException,
      serverGroup('x', { deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' }),
    ],
    [
      'eleven alarms',
      AlarmsLimitExceededException,
      serverGroup('x', {
        alarmConfiguration: {
          enabled: true,
          alarms: Array.from({ length: 11 }, (_, i) => ({ name: `a${i}` })),
        },
      }),
    ],
    [
      'a target-group pair on a Server group',
      InvalidTargetGroupPairException,
      serverGroup('x', {
        loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: 'a' }, { name: 'b' }] }] },
      }),
    ],
    ['an existing name', DeploymentGroupAlreadyExistsException, serverGroup('staging')],
    [
      'an unknown application',
      ApplicationDoesNotExistException,
      { ...serverGroup('x'), applicationName: 'nowhere' },
    ],
    [
      'an in-place Lambda group',
      InvalidDeploymentStyleException,
      {
        applicationName: 'fn',
        deploymentGroupName: 'x',
        serviceRoleArn: ROLE,
        deploymentStyle: { deploymentType: 'IN_PLACE' as const },
      },
    ],
    [
      'an ECS group without its service',
      InvalidECSServiceException,
      { applicationName: 'svc', deploymentGroupName: 'x', serviceRoleArn: ROLE },
    ],
  ])('refuses %s with its exception, creating nothing', async (_what, exception, input) => {
    await expect(
      client.send(new CreateDeploymentGroupCommand(input as CreateDeploymentGroupCommandInput)),
    ).rejects.toBeInstanceOf(exception);
    if (input.deploymentGroupName === 'x') {
      await expect(
        client.send(
          new GetDeploymentGroupCommand({
            applicationName: input.applicationName === 'nowhere' ? 'shop' : input.applicationName,
            deploymentGroupName: 'x',
          }),
        ),
      ).rejects.toBeInstanceOf(DeploymentGroupDoesNotExistException);
    }
  });

  it('refuses an update of a group that does not exist', async () => {
    await expect(
      client.send(
        new UpdateDeploymentGroupCommand({
          applicationName: 'shop',
          currentDeploymentGroupName: 'ghost',
          deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
        }),
      ),
    ).rejects.toBeInstanceOf(DeploymentGroupDoesNotExistException);
  });
});

describe('deployment configs', () => {
  it('lists the 17 predefined configs and the custom ones, page by page', async () => {
    await client.send(
      new CreateDeploymentConfigCommand({
        deploymentConfigName: 'TwoAtATime',
        minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 },
        zonalConfig: {
          monitorDurationInSeconds: 60,
          minimumHealthyHostsPerZone: { type: 'FLEET_PERCENT', value: 50 },
        },
      }),
    );
    await client.send(
      new CreateDeploymentConfigCommand({
        deploymentConfigName: 'Canary25',
        computePlatform: 'Lambda',
        trafficRoutingConfig: {
          type: 'TimeBasedCanary',
          timeBasedCanary: { canaryPercentage: 25, canaryInterval: 3 },
        },
      }),
    );
    const pages = await collect(paginateListDeploymentConfigs({ client }, {}));
    const names = pages.flatMap((page) => page.deploymentConfigsList ?? []);
    expect(pages.length).toBe(10);
    expect(names).toHaveLength(19);
    expect(names.slice(0, 3)).toEqual([
      'CodeDeployDefault.OneAtATime',
      'CodeDeployDefault.HalfAtATime',
      'CodeDeployDefault.AllAtOnce',
    ]);
    expect(names.slice(-2)).toEqual(['Canary25', 'TwoAtATime']);
  });

  it('gets predefined and custom configs as DeploymentConfigInfo', async () => {
    const half = await client.send(
      new GetDeploymentConfigCommand({ deploymentConfigName: 'CodeDeployDefault.HalfAtATime' }),
    );
    expect(half.deploymentConfigInfo).toEqual({
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      computePlatform: 'Server',
      minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 },
    });
    const custom = await client.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'TwoAtATime' }));
    expect(custom.deploymentConfigInfo).toMatchObject({
      computePlatform: 'Server',
      minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 },
      zonalConfig: {
        monitorDurationInSeconds: 60,
        minimumHealthyHostsPerZone: { type: 'FLEET_PERCENT', value: 50 },
      },
    });
    expect(custom.deploymentConfigInfo?.deploymentConfigId).toMatch(/^[0-9a-f-]{36}$/);
    expect(custom.deploymentConfigInfo?.createTime).toBeInstanceOf(Date);
  });

  it('refuses to delete predefined and in-use configs, and deletes the others', async () => {
    await expect(
      client.send(
        new DeleteDeploymentConfigCommand({ deploymentConfigName: 'CodeDeployDefault.OneAtATime' }),
      ),
    ).rejects.toBeInstanceOf(InvalidOperationException);
    await client.send(
      new CreateDeploymentGroupCommand(serverGroup('two', { deploymentConfigName: 'TwoAtATime' })),
    );
    const inUse = await client
      .send(new DeleteDeploymentConfigCommand({ deploymentConfigName: 'TwoAtATime' }))
      .catch((e: unknown) => e);
    expect(inUse).toBeInstanceOf(DeploymentConfigInUseException);
    expect((inUse as Error).message).toContain('shop/two');
    await client.send(
      new DeleteDeploymentGroupCommand({ applicationName: 'shop', deploymentGroupName: 'two' }),
    );
    await client.send(new DeleteDeploymentConfigCommand({ deploymentConfigName: 'TwoAtATime' }));
    await expect(
      client.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'TwoAtATime' })),
    ).rejects.toBeInstanceOf(DeploymentConfigDoesNotExistException);
  });

  it('validates custom configs as CodeDeploy does', async () => {
    await expect(
      client.send(
        new CreateDeploymentConfigCommand({
          deploymentConfigName: 'Canary25',
          computePlatform: 'Lambda',
          trafficRoutingConfig: { type: 'AllAtOnce' },
        }),
      ),
    ).rejects.toBeInstanceOf(DeploymentConfigAlreadyExistsException);
    await expect(
      client.send(
        new CreateDeploymentConfigCommand({
          deploymentConfigName: 'Full',
          minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 100 },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidMinimumHealthyHostValueException);
    await expect(
      client.send(
        new CreateDeploymentConfigCommand({ deploymentConfigName: 'NoRouting', computePlatform: 'ECS' }),
      ),
    ).rejects.toBeInstanceOf(InvalidTrafficRoutingConfigurationException);
    await expect(
      client.send(
        new CreateDeploymentConfigCommand({
          deploymentConfigName: 'CodeDeployDefault.Mine',
          minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidDeploymentConfigNameException);
  });
});

describe('application revisions', () => {
  const s3 = (
    key: string,
    extra: Partial<NonNullable<RevisionLocation['s3Location']>> = {},
  ): RevisionLocation => ({
    revisionType: 'S3',
    s3Location: { bucket: 'revisions', key, bundleType: 'zip', ...extra },
  });

  it('registers revisions and reports them with their times, sorted and filtered, page by page', async () => {
    await client.send(
      new RegisterApplicationRevisionCommand({
        applicationName: 'shop',
        revision: s3('shop/v1.zip'),
        description: 'first',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await client.send(
      new RegisterApplicationRevisionCommand({ applicationName: 'shop', revision: s3('shop/v2.zip') }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await client.send(
      new RegisterApplicationRevisionCommand({ applicationName: 'shop', revision: s3('other/v3.zip') }),
    );

    const got = await client.send(
      new GetApplicationRevisionCommand({ applicationName: 'shop', revision: s3('shop/v1.zip') }),
    );
    expect(got.revision).toEqual(s3('shop/v1.zip'));
    expect(got.revisionInfo).toMatchObject({ description: 'first', deploymentGroups: [] });
    expect(got.revisionInfo?.registerTime).toBeInstanceOf(Date);
    expect(got.revisionInfo?.firstUsedTime).toBeUndefined();

    const descending = await collect(
      paginateListApplicationRevisions(
        { client },
        { applicationName: 'shop', sortBy: 'registerTime', sortOrder: 'descending' },
      ),
    );
    expect(descending.length).toBe(2);
    expect(descending.flatMap((page) => page.revisions ?? []).map((r) => r.s3Location?.key)).toEqual([
      'other/v3.zip',
      'shop/v2.zip',
      'shop/v1.zip',
    ]);
    const filtered = await client.send(
      new ListApplicationRevisionsCommand({
        applicationName: 'shop',
        s3Bucket: 'revisions',
        s3KeyPrefix: 'shop/',
      }),
    );
    expect(filtered.revisions?.map((r) => r.s3Location?.key).sort()).toEqual(['shop/v1.zip', 'shop/v2.zip']);
  });

  it('records a deployment use: first and last use, deployment groups; `deployed` follows the groups target revision', async () => {
    const controlPlane = fixture.listeners.controlPlane;
    await recordRevisionUse(controlPlane, 'shop', s3('shop/v2.zip'), 'staging');
    await recordRevisionUse(controlPlane, 'shop', s3('shop/v2.zip'), 'canary');
    await recordRevisionUse(controlPlane, 'shop', s3('shop/v4.zip'), 'staging');
    const batch = await client.send(
      new BatchGetApplicationRevisionsCommand({
        applicationName: 'shop',
        revisions: [s3('shop/v2.zip'), s3('shop/v4.zip'), s3('shop/missing.zip')],
      }),
    );
    expect(batch.revisions?.map((r) => r.revisionLocation?.s3Location?.key)).toEqual([
      'shop/v2.zip',
      'shop/v4.zip',
    ]);
    const v2 = batch.revisions![0]!.genericRevisionInfo!;
    expect(v2.deploymentGroups).toEqual(['canary', 'staging']);
    expect(v2.firstUsedTime!.getTime()).toBeLessThanOrEqual(v2.lastUsedTime!.getTime());
    expect(batch.revisions![1]!.genericRevisionInfo?.registerTime).toBeInstanceOf(Date);
    expect(batch.errorMessage).toContain('1 of the revisions');

    // A group's target revision (set by the engine when a deployment succeeds) makes its revision "deployed".
    const store = fixture.runtime.deps.store;
    await store.putDeploymentGroup({
      ...(await store.getDeploymentGroup('shop', 'staging'))!,
      targetRevision: s3('shop/v4.zip'),
    });
    const included = await client.send(
      new ListApplicationRevisionsCommand({ applicationName: 'shop', deployed: 'include' }),
    );
    expect(included.revisions?.map((r) => r.s3Location?.key)).toEqual(['shop/v4.zip']);
    const excluded = await client.send(
      new ListApplicationRevisionsCommand({ applicationName: 'shop', deployed: 'exclude' }),
    );
    expect(excluded.revisions?.map((r) => r.s3Location?.key)).not.toContain('shop/v4.zip');
  });

  it('keeps AppSpecContent revisions of a Lambda application by their content', async () => {
    const revision: RevisionLocation = {
      revisionType: 'AppSpecContent',
      appSpecContent: { content: 'version: 0.0\nResources: []\n' },
    };
    await client.send(new RegisterApplicationRevisionCommand({ applicationName: 'fn', revision }));
    const got = await client.send(new GetApplicationRevisionCommand({ applicationName: 'fn', revision }));
    expect(got.revision?.appSpecContent?.content).toBe('version: 0.0\nResources: []\n');
    expect(got.revision?.appSpecContent?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('throws CodeDeploy exceptions for bad revisions', async () => {
    await expect(
      client.send(
        new GetApplicationRevisionCommand({ applicationName: 'shop', revision: s3('shop/none.zip') }),
      ),
    ).rejects.toBeInstanceOf(RevisionDoesNotExistException);
    await expect(
      client.send(
        new RegisterApplicationRevisionCommand({
          applicationName: 'shop',
          revision: { revisionType: 'S3', s3Location: { bucket: 'b' } },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidRevisionException);
    await expect(
      client.send(
        new RegisterApplicationRevisionCommand({
          applicationName: 'shop',
          revision: s3('a.yaml', { bundleType: 'YAML' }),
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidRevisionException);
    await expect(
      client.send(
        new RegisterApplicationRevisionCommand({
          applicationName: 'shop',
          revision: s3('a.zip'),
          description: 'x'.repeat(257),
        }),
      ),
    ).rejects.toBeInstanceOf(DescriptionTooLongException);
    await expect(
      client.send(new ListApplicationRevisionsCommand({ applicationName: 'shop', s3KeyPrefix: 'shop/' })),
    ).rejects.toBeInstanceOf(BucketNameFilterRequiredException);
  });
});

describe('on-premises instances', () => {
  it('registers instances, creating their local hosts, and refuses a name or IAM user twice', async () => {
    for (const name of ['web-1', 'web-2', 'db-1']) {
      await client.send(
        new RegisterOnPremisesInstanceCommand({ instanceName: name, iamUserArn: USER(name) }),
      );
      const root = join(fixture.stateDir, 'hosts', name, 'root');
      expect(existsSync(root) && statSync(root).isDirectory()).toBe(true);
    }
    await expect(
      client.send(
        new RegisterOnPremisesInstanceCommand({ instanceName: 'web-1', iamUserArn: USER('other') }),
      ),
    ).rejects.toBeInstanceOf(InstanceNameAlreadyRegisteredException);
    await expect(
      client.send(
        new RegisterOnPremisesInstanceCommand({ instanceName: 'web-9', iamUserArn: USER('web-1') }),
      ),
    ).rejects.toBeInstanceOf(IamUserArnAlreadyRegisteredException);
    await expect(
      client.send(
        new RegisterOnPremisesInstanceCommand({
          instanceName: 'w',
          iamUserArn: USER('a'),
          iamSessionArn: 'arn:aws:sts::123456789012:assumed-role/r/s1',
        }),
      ),
    ).rejects.toBeInstanceOf(MultipleIamArnsProvidedException);
    await expect(
      client.send(new RegisterOnPremisesInstanceCommand({ instanceName: 'w' })),
    ).rejects.toBeInstanceOf(IamArnRequiredException);
    await expect(
      client.send(new RegisterOnPremisesInstanceCommand({ instanceName: 'w', iamUserArn: 'web' })),
    ).rejects.toBeInstanceOf(InvalidIamUserArnException);
    await expect(
      client.send(
        new RegisterOnPremisesInstanceCommand({ instanceName: '../escape', iamUserArn: USER('e') }),
      ),
    ).rejects.toBeInstanceOf(InvalidInstanceNameException);
    expect(existsSync(join(fixture.stateDir, 'escape'))).toBe(false);
    // A session ARN registers too.
    await client.send(
      new RegisterOnPremisesInstanceCommand({
        instanceName: 'ci-1',
        iamSessionArn: 'arn:aws:sts::123456789012:assumed-role/ci/ci-1',
      }),
    );
  });

  it('tags instances and lists them by tag filters and registration status', async () => {
    await client.send(
      new AddTagsToOnPremisesInstancesCommand({
        instanceNames: ['web-1', 'web-2'],
        tags: [{ Key: 'role', Value: 'web' }],
      }),
    );
    await client.send(
      new AddTagsToOnPremisesInstancesCommand({
        instanceNames: ['db-1'],
        tags: [
          { Key: 'role', Value: 'db' },
          { Key: 'zone', Value: 'a' },
        ],
      }),
    );
    const list = async (input: ConstructorParameters<typeof ListOnPremisesInstancesCommand>[0]) => {
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new ListOnPremisesInstancesCommand({ ...input, ...(nextToken ? { nextToken } : {}) }),
        );
        names.push(...(page.instanceNames ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return names;
    };
    expect(await list({ tagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }] })).toEqual([
      'web-1',
      'web-2',
    ]);
    expect(
      await list({
        tagFilters: [
          { Key: 'zone', Type: 'KEY_ONLY' },
          { Value: 'web', Type: 'VALUE_ONLY' },
        ],
      }),
    ).toEqual(['db-1', 'web-1', 'web-2']);
    expect(await list({})).toEqual(['ci-1', 'db-1', 'web-1', 'web-2']);

    await client.send(
      new RemoveTagsFromOnPremisesInstancesCommand({
        instanceNames: ['web-2'],
        tags: [{ Key: 'role', Value: 'web' }],
      }),
    );
    expect(await list({ tagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }] })).toEqual([
      'web-1',
    ]);

    await client.send(new DeregisterOnPremisesInstanceCommand({ instanceName: 'web-2' }));
    expect(await list({ registrationStatus: 'Deregistered' })).toEqual(['web-2']);
    expect(await list({ registrationStatus: 'Registered' })).toEqual(['ci-1', 'db-1', 'web-1']);
    const { instanceInfo } = await client.send(new GetOnPremisesInstanceCommand({ instanceName: 'web-2' }));
    expect(instanceInfo).toMatchObject({
      instanceName: 'web-2',
      iamUserArn: USER('web-2'),
      instanceArn: 'arn:aws:codedeploy:us-east-1:123456789012:instance/web-2',
    });
    expect(instanceInfo?.deregisterTime).toBeInstanceOf(Date);
    // The IAM user is free again once its instance is deregistered.
    await client.send(
      new RegisterOnPremisesInstanceCommand({ instanceName: 'web-3', iamUserArn: USER('web-2') }),
    );

    const batch = await client.send(
      new BatchGetOnPremisesInstancesCommand({ instanceNames: ['db-1', 'web-1', 'unknown'] }),
    );
    expect(batch.instanceInfos?.map((i) => [i.instanceName, i.tags])).toEqual([
      [
        'db-1',
        [
          { Key: 'role', Value: 'db' },
          { Key: 'zone', Value: 'a' },
        ],
      ],
      ['web-1', [{ Key: 'role', Value: 'web' }]],
    ]);
  });

  it('refuses tags for unregistered instances, and more than 10 tags, changing nothing', async () => {
    await expect(
      client.send(
        new AddTagsToOnPremisesInstancesCommand({
          instanceNames: ['web-1', 'web-2'],
          tags: [{ Key: 'x', Value: '1' }],
        }),
      ),
    ).rejects.toBeInstanceOf(InstanceNotRegisteredException);
    const tags = Array.from({ length: 10 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(
      client.send(new AddTagsToOnPremisesInstancesCommand({ instanceNames: ['db-1'], tags })),
    ).rejects.toBeInstanceOf(TagLimitExceededException);
    const { instanceInfo } = await client.send(new GetOnPremisesInstanceCommand({ instanceName: 'web-1' }));
    expect(instanceInfo?.tags).toEqual([{ Key: 'role', Value: 'web' }]);
    await expect(
      client.send(
        new AddTagsToOnPremisesInstancesCommand({ instanceNames: ['db-1'], tags: [{ Key: '', Value: 'v' }] }),
      ),
    ).rejects.toBeInstanceOf(InvalidTagException);
    await expect(
      client.send(new GetOnPremisesInstanceCommand({ instanceName: 'never' })),
    ).rejects.toBeInstanceOf(InstanceNotRegisteredException);
  });
});

describe('deployments the engine serves today, and deleting an application', () => {
  it('answers a malformed deployment id and an unknown one with their exceptions', async () => {
    await expect(client.send(new GetDeploymentCommand({ deploymentId: 'not-an-id' }))).rejects.toBeInstanceOf(
      InvalidDeploymentIdException,
    );
    await expect(
      client.send(new GetDeploymentCommand({ deploymentId: 'd-ZZZZZZZZZ' })),
    ).rejects.toBeInstanceOf(DeploymentDoesNotExistException);
    expect((await client.send(new ListDeploymentsCommand({}))).deployments).toEqual([]);
  });

  it('deletes an application with its deployment groups and revisions', async () => {
    await client.send(new DeleteApplicationCommand({ applicationName: 'shop' }));
    await expect(client.send(new GetApplicationCommand({ applicationName: 'shop' }))).rejects.toBeInstanceOf(
      ApplicationDoesNotExistException,
    );
    expect(await fixture.runtime.deps.store.getDeploymentGroup('shop', 'staging')).toBeUndefined();
    expect(await fixture.listeners.controlPlane.revisions.listRevisions('shop')).toEqual([]);
    // Deleting again is not an error, as in CodeDeploy.
    await client.send(new DeleteApplicationCommand({ applicationName: 'shop' }));
    expect(fixture.internalErrors).toEqual([]);
  });
});
