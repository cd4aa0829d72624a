/**
 * The ELBv2 listeners adapter and the target-group pair router over it, checked with
 * aws-sdk-client-mock for the exact commands sent (a listener's default actions, a rule's actions,
 * every other action and the stickiness kept) and the errors translated.
 */
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ListenerNotFoundException,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Elbv2Listeners } from '../../../functions/adapters/aws/elbv2-listeners.js';
import { TargetGroupPairTrafficRouter } from '../../../functions/adapters/aws/target-group-pair-router.js';
import type { TargetGroupPairRoute } from '../../../functions/ports/traffic-router.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const elb = mockClient(ElasticLoadBalancingV2Client);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  elb.restore();
});
const client = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
const PREFIX = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const LISTENER = `${PREFIX}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const RULE = `${PREFIX}:listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const BLUE = `${PREFIX}:targetgroup/blue/73e2d6bc24d8a067`;
const GREEN = `${PREFIX}:targetgroup/green/2453ed029918f21f`;

const authenticate: Action = {
  Type: 'authenticate-oidc',
  Order: 1,
  AuthenticateOidcConfig: {
    Issuer: 'https://idp.example.com',
    AuthorizationEndpoint: 'https://idp.example.com/authorize',
    TokenEndpoint: 'https://idp.example.com/token',
    UserInfoEndpoint: 'https://idp.example.com/userinfo',
    ClientId: 'stepdeploy',
  },
};

function forward(blue: number, green: number): Action {
  return {
    Type: 'forward',
    Order: 2,
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: BLUE, Weight: blue },
        { TargetGroupArn: GREEN, Weight: green },
      ],
      TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 },
    },
  };
}

beforeEach(() => elb.reset());

describe('Elbv2Listeners', () => {
  it("reads a listener's forward action by target group name, with a single TargetGroupArn as weight 1", async () => {
    elb
      .on(DescribeListenersCommand)
      .resolvesOnce({
        Listeners: [{ ListenerArn: LISTENER, DefaultActions: [authenticate, forward(90, 10)] }],
      })
      .resolvesOnce({ Listeners: [{ DefaultActions: [{ Type: 'forward', TargetGroupArn: BLUE }] }] });
    const listeners = new Elbv2Listeners(client);
    expect(await listeners.getForwardAction(LISTENER)).toEqual([
      { targetGroup: 'blue', weight: 90 },
      { targetGroup: 'green', weight: 10 },
    ]);
    expect(await listeners.getForwardAction(LISTENER)).toEqual([{ targetGroup: 'blue', weight: 1 }]);
    expect(elb).toHaveReceivedCommandWith(DescribeListenersCommand, { ListenerArns: [LISTENER] });
  });

  it('modifies only the forward action of a listener, keeping its other actions and stickiness', async () => {
    elb
      .on(DescribeListenersCommand)
      .resolves({ Listeners: [{ DefaultActions: [authenticate, forward(1, 0)] }] })
      .on(ModifyListenerCommand)
      .resolves({});
    const listeners = new Elbv2Listeners(client);
    await listeners.setForwardAction(LISTENER, [
      { targetGroup: 'blue', weight: 90 },
      { targetGroup: 'green', weight: 10 },
    ]);
    expect(elb).toHaveReceivedCommandExactlyOnceWith(ModifyListenerCommand, {
      ListenerArn: LISTENER,
      DefaultActions: [authenticate, forward(90, 10)],
    });
    // The ARNs were read from the listener itself: no DescribeTargetGroups.
    expect(elb).not.toHaveReceivedCommand(DescribeTargetGroupsCommand);
  });

  it('modifies a listener rule with ModifyRule, and drops a single TargetGroupArn for a ForwardConfig', async () => {
    elb
      .on(DescribeRulesCommand)
      .resolves({
        Rules: [{ RuleArn: RULE, Actions: [{ Type: 'forward', Order: 1, TargetGroupArn: BLUE }] }],
      })
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ TargetGroupName: 'green', TargetGroupArn: GREEN }] })
      .on(ModifyRuleCommand)
      .resolves({});
    const listeners = new Elbv2Listeners(client);
    await listeners.setForwardAction(RULE, [
      { targetGroup: 'blue', weight: 0 },
      { targetGroup: 'green', weight: 100 },
    ]);
    expect(elb).toHaveReceivedCommandExactlyOnceWith(DescribeRulesCommand, { RuleArns: [RULE] });
    expect(elb).toHaveReceivedCommandExactlyOnceWith(DescribeTargetGroupsCommand, { Names: ['green'] });
    expect(elb).toHaveReceivedCommandExactlyOnceWith(ModifyRuleCommand, {
      RuleArn: RULE,
      Actions: [
        {
          Type: 'forward',
          Order: 1,
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: BLUE, Weight: 0 },
              { TargetGroupArn: GREEN, Weight: 100 },
            ],
          },
        },
      ],
    });
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('describes every target of a target group by its resolved ARN', async () => {
    elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ TargetGroupName: 'green', TargetGroupArn: GREEN }] })
      .on(DescribeTargetHealthCommand)
      .resolves({
        TargetHealthDescriptions: [
          { Target: { Id: '10.0.1.7', Port: 8080 }, TargetHealth: { State: 'healthy' } },
          { Target: { Id: '10.0.1.9', Port: 8080 }, TargetHealth: { State: 'unhealthy.draining' } },
          { Target: { Id: '10.0.1.8', Port: 8080 }, TargetHealth: { State: 'initial' } },
        ],
      });
    const health = await new Elbv2Listeners(client).describeTargetHealth('green');
    expect(health).toEqual([
      { targetId: '10.0.1.7:8080', state: 'healthy' },
      { targetId: '10.0.1.9:8080', state: 'draining' },
      { targetId: '10.0.1.8:8080', state: 'initial' },
    ]);
    expect(elb).toHaveReceivedCommandExactlyOnceWith(DescribeTargetHealthCommand, { TargetGroupArn: GREEN });
  });

  it('says plainly that a listener does not exist, and that one without a forward action cannot shift', async () => {
    elb
      .on(DescribeListenersCommand)
      .rejectsOnce(
        new ListenerNotFoundException({ message: 'One or more listeners not found', $metadata: {} }),
      );
    const listeners = new Elbv2Listeners(client);
    await expect(listeners.getForwardAction(LISTENER)).rejects.toMatchObject({
      name: 'ElasticLoadBalancingInvalidError',
      message: expect.stringContaining(
        `${LISTENER} does not exist (DescribeListeners: ListenerNotFoundException)`,
      ),
    });
    elb.on(DescribeListenersCommand).resolves({
      Listeners: [{ DefaultActions: [{ Type: 'redirect', RedirectConfig: { StatusCode: 'HTTP_301' } }] }],
    });
    await expect(listeners.getForwardAction(LISTENER)).rejects.toMatchObject({
      name: 'ElasticLoadBalancingInvalidError',
      message: expect.stringContaining('has no forward action (its actions: redirect)'),
    });
  });

  it('passes a throttle on as ThrottlingError, which the state machines retry', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    elb.on(DescribeListenersCommand).rejects(throttled);
    await expect(new Elbv2Listeners(client).getForwardAction(LISTENER)).rejects.toMatchObject({
      name: 'ThrottlingError',
    });
  });
});

describe('TargetGroupPairTrafficRouter over ELBv2', () => {
  const route: TargetGroupPairRoute = {
    kind: 'TargetGroupPair',
    originalTargetGroup: 'blue',
    replacementTargetGroup: 'green',
    prodTrafficRoute: { listenerArns: [LISTENER] },
    replacementWeights: { production: 0 },
    originalForwardActions: {
      [LISTENER]: [
        { targetGroup: 'blue', weight: 1 },
        { targetGroup: 'green', weight: 0 },
      ],
    },
  };

  it('re-reads the listener before each shift and sends one ModifyListener per change', async () => {
    elb
      .on(DescribeListenersCommand)
      .resolvesOnce({ Listeners: [{ DefaultActions: [forward(1, 0)] }] })
      .resolves({ Listeners: [{ DefaultActions: [forward(90, 10)] }] })
      .on(ModifyListenerCommand)
      .resolves({});
    const router = new TargetGroupPairTrafficRouter(new Elbv2Listeners(client));
    await router.setWeight(route, 0.1);
    // A retry of the same shift finds it done and changes nothing.
    await router.setWeight({ ...route, replacementWeights: { production: 0 } }, 0.1);
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER,
      DefaultActions: [forward(90, 10)],
    });
  });

  it('refuses to shift on top of weights someone else set, sending no ModifyListener', async () => {
    elb.on(DescribeListenersCommand).resolves({ Listeners: [{ DefaultActions: [forward(50, 50)] }] });
    const router = new TargetGroupPairTrafficRouter(new Elbv2Listeners(client));
    await expect(
      router.setWeight({ ...route, replacementWeights: { production: 0.1 } }, 1),
    ).rejects.toMatchObject({
      name: 'ElasticLoadBalancingInvalidError',
      message: `The production listener ${LISTENER} was changed during the deployment: it sends 50% of its traffic to green, where the deployment had set 10%. stepdeploy shifts nothing on top of someone else's change.`,
    });
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('restores the forward action exactly as Prepare found it', async () => {
    elb
      .on(DescribeListenersCommand)
      .resolves({ Listeners: [{ DefaultActions: [forward(0, 100)] }] })
      .on(ModifyListenerCommand)
      .resolves({});
    const router = new TargetGroupPairTrafficRouter(new Elbv2Listeners(client));
    expect(await router.restore(route)).toEqual({ changed: true });
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER,
      DefaultActions: [forward(1, 0)],
    });
  });
});
