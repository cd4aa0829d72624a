/**
 * The Lambda alias as a traffic router, over the simulated Lambda service (which keeps the real
 * service's alias rules): weights are set idempotently, routing that is not the deployment's own is
 * refused before anything changes, and restore puts the alias back on the current version.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { LambdaAliasTrafficRouter } from '../../../functions/adapters/aws/lambda-alias-router.js';
import { routeByKind, type LambdaAliasRoute } from '../../../functions/ports/traffic-router.js';
import { SimulatedLambda } from '../../../local/simulated/lambda.js';
import { ManualTimers } from '../../local/simulated/manual-timers.js';

const route: LambdaAliasRoute = {
  kind: 'LambdaAlias',
  functionName: 'api',
  functionAlias: 'live',
  currentVersion: '1',
  targetVersion: '2',
};

let lambda: SimulatedLambda;
let router: LambdaAliasTrafficRouter;

beforeEach(() => {
  lambda = new SimulatedLambda(new ManualTimers());
  lambda.createFunction('api');
  for (let i = 0; i < 3; i++) lambda.publishVersion('api');
  lambda.createAlias('api', 'live', '1');
  router = new LambdaAliasTrafficRouter(lambda);
});

describe('LambdaAliasTrafficRouter', () => {
  it('sets the target version weight, then points the alias at it, each change once', async () => {
    await router.setWeight(route, 0.1);
    await router.setWeight(route, 0.1); // a retried shift changes nothing
    expect(await lambda.getAlias('api', 'live')).toEqual({
      functionVersion: '1',
      additionalVersionWeights: { '2': 0.1 },
    });
    expect(await router.verify(route)).toBe(0.1);
    await router.setWeight(route, 1);
    expect(await lambda.getAlias('api', 'live')).toEqual({
      functionVersion: '2',
      additionalVersionWeights: {},
    });
    expect(await router.verify(route)).toBe(1);
    expect(lambda.routingChanges()).toHaveLength(2);
  });

  it('refuses routing someone else changed (a third version), changing nothing', async () => {
    await lambda.updateAlias('api', 'live', { functionVersion: '1', additionalVersionWeights: { '3': 0.5 } });
    const changes = lambda.routingChanges().length;
    const refused = {
      name: 'InvalidLambdaConfigurationError',
      message: 'The alias live of api was changed during the deployment: it now routes to version 3.',
    };
    await expect(router.verify(route)).rejects.toMatchObject(refused);
    await expect(router.setWeight(route, 0.2)).rejects.toMatchObject(refused);
    expect(lambda.routingChanges()).toHaveLength(changes);
  });

  it('restores the current version with no routing, and says whether it changed anything', async () => {
    await router.setWeight(route, 0.3);
    expect(await router.restore(route)).toEqual({ changed: true });
    expect(await lambda.getAlias('api', 'live')).toEqual({
      functionVersion: '1',
      additionalVersionWeights: {},
    });
    expect(await router.restore(route)).toEqual({ changed: false });
    expect(await router.verify(route)).toBe(0);
  });

  it('has no test listener', async () => {
    await expect(router.setWeight(route, 1, 'test')).rejects.toThrow('A Lambda alias has no test listener');
  });
});

describe('routeByKind', () => {
  it('sends each call to the router of its route kind, and names a kind that has none', async () => {
    const traffic = routeByKind({ LambdaAlias: router });
    await traffic.setWeight(route, 0.5);
    expect(await traffic.verify(route)).toBe(0.5);
    await expect(
      traffic.restore({
        kind: 'TargetGroupPair',
        originalTargetGroup: 'blue',
        replacementTargetGroup: 'green',
        prodTrafficRoute: { listenerArns: ['arn:listener'] },
      }),
    ).rejects.toThrow('No traffic router is configured for TargetGroupPair routes on this runtime.');
  });
});
