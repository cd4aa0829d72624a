/**
 * The ECS task-set adapter, checked with aws-sdk-client-mock: the exact commands sent (the
 * deployment id as external id and client token, scale 100 %, the load balancer and network settings)
 * and ECS's errors translated into the deployment errors CodeDeploy reports for them.
 */
import {
  ClientException,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  ECSClient,
  ServiceNotFoundException,
  TaskSetNotFoundException,
  UpdateServicePrimaryTaskSetCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EcsTaskSets } from '../../../functions/adapters/aws/ecs-task-sets.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ecsMock = mockClient(ECSClient);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  ecsMock.restore();
});
const client = new ECSClient({ region: 'us-east-1' });
const ACCOUNT = 'arn:aws:ecs:us-east-1:123456789012';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/2453ed029918f21f';
const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067';

beforeEach(() => ecsMock.reset());

describe('EcsTaskSets', () => {
  it('describes a service with its task sets, network settings and controller', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceArn: `${ACCOUNT}:service/prod/web`,
          serviceName: 'web',
          clusterArn: `${ACCOUNT}:cluster/prod`,
          status: 'ACTIVE',
          desiredCount: 3,
          deploymentController: { type: 'EXTERNAL' },
          taskSets: [
            {
              id: 'ecs-svc/1111',
              taskSetArn: `${ACCOUNT}:task-set/prod/web/ecs-svc/1111`,
              status: 'PRIMARY',
              taskDefinition: `${ACCOUNT}:task-definition/web:6`,
              computedDesiredCount: 3,
              pendingCount: 0,
              runningCount: 3,
              stabilityStatus: 'STEADY_STATE',
              launchType: 'FARGATE',
              platformVersion: '1.4.0',
              loadBalancers: [{ targetGroupArn: BLUE, containerName: 'web', containerPort: 8080 }],
              networkConfiguration: {
                awsvpcConfiguration: {
                  subnets: ['subnet-1'],
                  securityGroups: ['sg-1'],
                  assignPublicIp: 'DISABLED',
                },
              },
            },
          ],
        },
      ],
    });
    const service = await new EcsTaskSets(client).describeService('prod', 'web');
    expect(ecsMock).toHaveReceivedCommandExactlyOnceWith(DescribeServicesCommand, {
      cluster: 'prod',
      services: ['web'],
    });
    expect(service).toEqual({
      serviceArn: `${ACCOUNT}:service/prod/web`,
      serviceName: 'web',
      clusterArn: `${ACCOUNT}:cluster/prod`,
      status: 'ACTIVE',
      desiredCount: 3,
      deploymentController: 'EXTERNAL',
      taskSets: [
        {
          id: 'ecs-svc/1111',
          taskSetArn: `${ACCOUNT}:task-set/prod/web/ecs-svc/1111`,
          status: 'PRIMARY',
          taskDefinition: `${ACCOUNT}:task-definition/web:6`,
          computedDesiredCount: 3,
          pendingCount: 0,
          runningCount: 3,
          stabilityStatus: 'STEADY_STATE',
          targetGroupArn: BLUE,
          launchType: 'FARGATE',
          platformVersion: '1.4.0',
          networkConfiguration: {
            subnets: ['subnet-1'],
            securityGroups: ['sg-1'],
            assignPublicIp: 'DISABLED',
          },
        },
      ],
    });
  });

  it('reports a missing service (DescribeServices failures, ServiceNotFoundException) as ResourceNotFoundError', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .resolvesOnce({ services: [], failures: [{ arn: `${ACCOUNT}:service/prod/web`, reason: 'MISSING' }] })
      .rejectsOnce(new ServiceNotFoundException({ message: 'Service not found.', $metadata: {} }));
    const ecs = new EcsTaskSets(client);
    await expect(ecs.describeService('prod', 'web')).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
      message: 'ecs.DescribeServices (prod/web): MISSING: the service does not exist in the cluster.',
    });
    await expect(ecs.describeService('prod', 'web')).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
  });

  it('creates the replacement task set with the deployment id as external id and client token', async () => {
    ecsMock.on(CreateTaskSetCommand).resolves({
      taskSet: {
        id: 'ecs-svc/2222',
        taskSetArn: `${ACCOUNT}:task-set/prod/web/ecs-svc/2222`,
        externalId: 'd-ABCDEFGH1',
        status: 'ACTIVE',
        taskDefinition: `${ACCOUNT}:task-definition/web:7`,
        computedDesiredCount: 3,
        pendingCount: 3,
        runningCount: 0,
        stabilityStatus: 'STABILIZING',
        loadBalancers: [{ targetGroupArn: GREEN, containerName: 'web', containerPort: 8080 }],
      },
    });
    const created = await new EcsTaskSets(client).createTaskSet({
      cluster: 'prod',
      service: 'web',
      externalId: 'd-ABCDEFGH1',
      taskDefinition: `${ACCOUNT}:task-definition/web:7`,
      targetGroupArn: GREEN,
      containerName: 'web',
      containerPort: 8080,
      platformVersion: 'LATEST',
      networkConfiguration: {
        subnets: ['subnet-1', 'subnet-2'],
        securityGroups: ['sg-1'],
        assignPublicIp: 'ENABLED',
      },
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 }],
      scalePercent: 100,
    });
    expect(ecsMock).toHaveReceivedCommandExactlyOnceWith(CreateTaskSetCommand, {
      cluster: 'prod',
      service: 'web',
      externalId: 'd-ABCDEFGH1',
      clientToken: 'd-ABCDEFGH1',
      taskDefinition: `${ACCOUNT}:task-definition/web:7`,
      loadBalancers: [{ targetGroupArn: GREEN, containerName: 'web', containerPort: 8080 }],
      platformVersion: 'LATEST',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-1', 'subnet-2'],
          securityGroups: ['sg-1'],
          assignPublicIp: 'ENABLED',
        },
      },
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', base: 0, weight: 1 }],
      scale: { unit: 'PERCENT', value: 100 },
    });
    expect(created).toMatchObject({
      id: 'ecs-svc/2222',
      externalId: 'd-ABCDEFGH1',
      pendingCount: 3,
      targetGroupArn: GREEN,
    });
  });

  it("translates ECS's refusal of a task set into EcsUpdateError (ECS_UPDATE_ERROR)", async () => {
    ecsMock.on(CreateTaskSetCommand).rejects(
      new ClientException({
        message: 'The container web does not exist in the task definition.',
        $metadata: {},
      }),
    );
    await expect(
      new EcsTaskSets(client).createTaskSet({
        cluster: 'prod',
        service: 'web',
        externalId: 'd-ABCDEFGH1',
        taskDefinition: 'web:7',
        targetGroupArn: GREEN,
        containerName: 'web',
        containerPort: 8080,
        launchType: 'FARGATE',
        scalePercent: 100,
      }),
    ).rejects.toMatchObject({
      name: 'EcsUpdateError',
      message:
        'ecs.CreateTaskSet (prod/web): ClientException: The container web does not exist in the task definition.',
    });
    expect(ecsMock.commandCalls(CreateTaskSetCommand)[0]?.args[0].input).toMatchObject({
      launchType: 'FARGATE',
    });
  });

  it('makes a task set primary and deletes one with force, a task set already gone counting as deleted', async () => {
    ecsMock
      .on(UpdateServicePrimaryTaskSetCommand)
      .resolves({})
      .on(DeleteTaskSetCommand)
      .resolvesOnce({})
      .rejectsOnce(
        new TaskSetNotFoundException({ message: 'The specified task set does not exist.', $metadata: {} }),
      );
    const ecs = new EcsTaskSets(client);
    await ecs.updateServicePrimaryTaskSet('prod', 'web', 'ecs-svc/2222');
    await ecs.deleteTaskSet('prod', 'web', 'ecs-svc/1111');
    await ecs.deleteTaskSet('prod', 'web', 'ecs-svc/1111');
    expect(ecsMock).toHaveReceivedCommandExactlyOnceWith(UpdateServicePrimaryTaskSetCommand, {
      cluster: 'prod',
      service: 'web',
      primaryTaskSet: 'ecs-svc/2222',
    });
    expect(ecsMock).toHaveReceivedCommandTimes(DeleteTaskSetCommand, 2);
    expect(ecsMock).toHaveReceivedCommandWith(DeleteTaskSetCommand, {
      cluster: 'prod',
      service: 'web',
      taskSet: 'ecs-svc/1111',
      force: true,
    });
  });

  it('describes task sets by id, and sends nothing for none', async () => {
    ecsMock
      .on(DescribeTaskSetsCommand)
      .resolves({ taskSets: [{ id: 'ecs-svc/2222', status: 'ACTIVE', runningCount: 2 }] });
    const ecs = new EcsTaskSets(client);
    expect(await ecs.describeTaskSets('prod', 'web', [])).toEqual([]);
    expect(await ecs.describeTaskSets('prod', 'web', ['ecs-svc/2222'])).toMatchObject([
      { id: 'ecs-svc/2222', runningCount: 2 },
    ]);
    expect(ecsMock).toHaveReceivedCommandExactlyOnceWith(DescribeTaskSetsCommand, {
      cluster: 'prod',
      service: 'web',
      taskSets: ['ecs-svc/2222'],
    });
  });

  it('reads the containers, ports and roles of a task definition', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: `${ACCOUNT}:task-definition/web:7`,
        family: 'web',
        revision: 7,
        taskRoleArn: 'arn:aws:iam::123456789012:role/web-task',
        executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
        containerDefinitions: [
          { name: 'web', portMappings: [{ containerPort: 8080 }, { containerPort: 9090 }] },
          { name: 'log-router' },
        ],
      },
    });
    expect(await new EcsTaskSets(client).describeTaskDefinition('web:7')).toEqual({
      taskDefinitionArn: `${ACCOUNT}:task-definition/web:7`,
      family: 'web',
      revision: 7,
      taskRoleArn: 'arn:aws:iam::123456789012:role/web-task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
      containers: [
        { name: 'web', containerPorts: [8080, 9090] },
        { name: 'log-router', containerPorts: [] },
      ],
    });
    expect(ecsMock).toHaveReceivedCommandExactlyOnceWith(DescribeTaskDefinitionCommand, {
      taskDefinition: 'web:7',
    });
  });
});
