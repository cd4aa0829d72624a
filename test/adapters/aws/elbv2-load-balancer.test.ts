import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  InvalidTargetException,
  RegisterTargetsCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Elbv2LoadBalancer } from '../../../functions/adapters/aws/elbv2-load-balancer.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const elb = mockClient(ElasticLoadBalancingV2Client);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  elb.restore();
});
const client = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';

beforeEach(() => elb.reset());

describe('Elbv2LoadBalancer', () => {
  it("reads a target group's draining and health-check timings once, with ELB's defaults for what it omits", async () => {
    elb.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [{ TargetGroupArn: TG, HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 3 }],
    });
    elb.on(DescribeTargetGroupAttributesCommand).resolves({
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '120' }],
    });
    const lb = new Elbv2LoadBalancer(client);
    const timings = {
      deregistrationDelaySeconds: 120,
      healthCheckIntervalSeconds: 10,
      healthyThresholdCount: 3,
    };
    expect(await lb.describeTargetGroupTimings(TG)).toEqual(timings);
    expect(await lb.describeTargetGroupTimings(TG)).toEqual(timings);
    expect(elb).toHaveReceivedCommandTimes(DescribeTargetGroupAttributesCommand, 1);
    expect(elb).toHaveReceivedCommandWith(DescribeTargetGroupsCommand, { TargetGroupArns: [TG] });

    elb.reset();
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: TG }] });
    elb.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: [] });
    expect(await new Elbv2LoadBalancer(client).describeTargetGroupTimings(TG)).toEqual({
      deregistrationDelaySeconds: 300,
      healthCheckIntervalSeconds: 30,
      healthyThresholdCount: 5,
    });
  });

  it('registers and deregisters instances by target group ARN', async () => {
    elb.on(RegisterTargetsCommand).resolves({});
    elb.on(DeregisterTargetsCommand).resolves({});
    const lb = new Elbv2LoadBalancer(client);
    await lb.registerTargets(TG, ['i-1', 'i-2']);
    await lb.deregisterTargets(TG, ['i-1']);
    expect(elb).toHaveReceivedCommandExactlyOnceWith(RegisterTargetsCommand, {
      TargetGroupArn: TG,
      Targets: [{ Id: 'i-1' }, { Id: 'i-2' }],
    });
    expect(elb).toHaveReceivedCommandExactlyOnceWith(DeregisterTargetsCommand, {
      TargetGroupArn: TG,
      Targets: [{ Id: 'i-1' }],
    });
    expect(elb).not.toHaveReceivedCommand(DescribeTargetGroupsCommand);
  });

  it('registers on the configured port, once per instance', async () => {
    elb.on(RegisterTargetsCommand).resolves({});
    await new Elbv2LoadBalancer(client, { port: 8080 }).registerTargets(TG, ['i-1', 'i-1']);
    expect(elb.commandCalls(RegisterTargetsCommand)[0]?.args[0].input).toEqual({
      TargetGroupArn: TG,
      Targets: [{ Id: 'i-1', Port: 8080 }],
    });
  });

  it('sends nothing for no instances', async () => {
    const lb = new Elbv2LoadBalancer(client);
    await lb.registerTargets(TG, []);
    await lb.deregisterTargets(TG, []);
    expect(await lb.describeTargetHealth(TG, [])).toEqual(new Map());
    expect(elb).not.toHaveReceivedAnyCommand();
  });

  it('resolves a target group name to its ARN once, then uses the ARN', async () => {
    elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ TargetGroupName: 'web', TargetGroupArn: TG }] });
    elb.on(RegisterTargetsCommand).resolves({});
    const lb = new Elbv2LoadBalancer(client);
    await lb.registerTargets('web', ['i-1']);
    await lb.registerTargets('web', ['i-2']);
    expect(elb).toHaveReceivedCommandExactlyOnceWith(DescribeTargetGroupsCommand, { Names: ['web'] });
    expect(elb.commandCalls(RegisterTargetsCommand).map((call) => call.args[0].input.TargetGroupArn)).toEqual(
      [TG, TG],
    );
  });

  describe('describeTargetHealth', () => {
    it('asks for the instances only and maps each TargetHealth.State', async () => {
      elb.on(DescribeTargetHealthCommand).resolves({
        TargetHealthDescriptions: [
          { Target: { Id: 'i-1', Port: 80 }, TargetHealth: { State: 'healthy' } },
          {
            Target: { Id: 'i-2', Port: 80 },
            TargetHealth: { State: 'initial', Reason: 'Elb.RegistrationInProgress' },
          },
          {
            Target: { Id: 'i-3', Port: 80 },
            TargetHealth: { State: 'draining', Reason: 'Target.DeregistrationInProgress' },
          },
          {
            Target: { Id: 'i-4', Port: 80 },
            TargetHealth: { State: 'unhealthy', Reason: 'Target.FailedHealthChecks' },
          },
          { Target: { Id: 'i-5', Port: 80 }, TargetHealth: { State: 'unhealthy.draining' } },
          {
            Target: { Id: 'i-6', Port: 80 },
            TargetHealth: { State: 'unavailable', Reason: 'Elb.InternalError' },
          },
        ],
      });
      const ids = ['i-1', 'i-2', 'i-3', 'i-4', 'i-5', 'i-6'];
      const states = await new Elbv2LoadBalancer(client).describeTargetHealth(TG, ids);
      expect(Object.fromEntries(states)).toEqual({
        'i-1': 'healthy',
        'i-2': 'initial',
        'i-3': 'draining',
        'i-4': 'unhealthy',
        'i-5': 'draining',
        'i-6': 'unavailable',
      });
      expect(elb).toHaveReceivedCommandExactlyOnceWith(DescribeTargetHealthCommand, {
        TargetGroupArn: TG,
        Targets: ids.map((Id) => ({ Id })),
      });
    });

    it('reports an instance that is not registered as unused (Target.NotRegistered, or not described)', async () => {
      elb.on(DescribeTargetHealthCommand).resolves({
        TargetHealthDescriptions: [
          { Target: { Id: 'i-1' }, TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered' } },
          { Target: { Id: 'i-2' }, TargetHealth: { State: 'unavailable', Reason: 'Target.NotRegistered' } },
          { Target: { Id: 'i-other' }, TargetHealth: { State: 'healthy' } },
        ],
      });
      const states = await new Elbv2LoadBalancer(client).describeTargetHealth(TG, ['i-1', 'i-2', 'i-3']);
      expect(Object.fromEntries(states)).toEqual({ 'i-1': 'unused', 'i-2': 'unused', 'i-3': 'unused' });
    });

    it('keeps the state furthest from settled when an instance is registered on several ports', async () => {
      elb.on(DescribeTargetHealthCommand).resolves({
        TargetHealthDescriptions: [
          { Target: { Id: 'i-1', Port: 80 }, TargetHealth: { State: 'unused' } },
          { Target: { Id: 'i-1', Port: 81 }, TargetHealth: { State: 'draining' } },
          { Target: { Id: 'i-2', Port: 80 }, TargetHealth: { State: 'healthy' } },
          { Target: { Id: 'i-2', Port: 81 }, TargetHealth: { State: 'unhealthy' } },
        ],
      });
      const states = await new Elbv2LoadBalancer(client).describeTargetHealth(TG, ['i-1', 'i-2']);
      expect(Object.fromEntries(states)).toEqual({ 'i-1': 'draining', 'i-2': 'unhealthy' });
    });

    it('with a port, asks for and reads that registration only', async () => {
      elb.on(DescribeTargetHealthCommand).resolves({
        TargetHealthDescriptions: [
          { Target: { Id: 'i-1', Port: 8080 }, TargetHealth: { State: 'healthy' } },
          { Target: { Id: 'i-1', Port: 9090 }, TargetHealth: { State: 'unhealthy' } },
        ],
      });
      const states = await new Elbv2LoadBalancer(client, { port: 8080 }).describeTargetHealth(TG, ['i-1']);
      expect(states.get('i-1')).toBe('healthy');
      expect(elb).toHaveReceivedCommandWith(DescribeTargetHealthCommand, {
        Targets: [{ Id: 'i-1', Port: 8080 }],
      });
    });
  });

  describe('errors', () => {
    it('turns TargetGroupNotFoundException into ResourceNotFoundError naming the target group', async () => {
      elb
        .on(RegisterTargetsCommand)
        .rejects(
          new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: {} }),
        );
      await expect(new Elbv2LoadBalancer(client).registerTargets(TG, ['i-1'])).rejects.toMatchObject({
        name: 'ResourceNotFoundError',
        resource: TG,
        message: expect.stringContaining(`The target group ${TG} does not exist`),
      });
    });

    it('turns an unknown target group name into ResourceNotFoundError', async () => {
      elb
        .on(DescribeTargetGroupsCommand)
        .rejects(
          new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: {} }),
        );
      await expect(new Elbv2LoadBalancer(client).describeTargetHealth('gone', ['i-1'])).rejects.toMatchObject(
        {
          name: 'ResourceNotFoundError',
          resource: 'gone',
        },
      );
    });

    it('names the refused instances of InvalidTargetException and keeps its code', async () => {
      elb.on(RegisterTargetsCommand).rejects(
        new InvalidTargetException({
          message: 'The following targets are not in a running state and cannot be registered',
          $metadata: { httpStatusCode: 400 },
        }),
      );
      await expect(new Elbv2LoadBalancer(client).registerTargets(TG, ['i-1', 'i-2'])).rejects.toMatchObject({
        name: 'AwsServiceError',
        code: 'InvalidTargetException',
        httpStatusCode: 400,
        message: expect.stringContaining(`RegisterTargets on ${TG} refused the instances i-1, i-2`),
      });
    });

    it('turns ELBv2 throttling (code Throttling) into ThrottlingError', async () => {
      const throttled = Object.assign(new Error('Rate exceeded'), {
        name: 'Throttling',
        $metadata: { httpStatusCode: 400 },
      });
      elb.on(DescribeTargetHealthCommand).rejects(throttled);
      await expect(new Elbv2LoadBalancer(client).describeTargetHealth(TG, ['i-1'])).rejects.toMatchObject({
        name: 'ThrottlingError',
        code: 'Throttling',
      });
    });
  });
});
