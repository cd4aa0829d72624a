import { describe, expect, it } from 'vitest';
import { getPredefinedConfig } from '../../functions/domain/deployment-configs.js';
import {
  blueGreenOptionsOf,
  nextForwardPhase,
  phaseEvents,
  phaseLabel,
  replacementAutoScalingGroupName,
  replacementHostName,
  targetEvents,
  type BlueGreenOptions,
} from '../../functions/domain/server-blue-green.js';
import {
  afterBatchResults,
  createServerProgress,
  nextProgressAction,
  startBatch,
} from '../../functions/domain/server-progress.js';

const allAtOnce = getPredefinedConfig('CodeDeployDefault.AllAtOnce')!;
const instances = (n: number) =>
  Array.from({ length: n }, (_, k) => ({ id: `i-${k}`, health: 'Unhealthy' as const }));

describe('blue/green options (reference §4.6)', () => {
  it.each([
    [
      'nothing given: discover, reroute at once, keep the originals',
      undefined,
      {
        greenFleet: 'DISCOVER_EXISTING',
        readyWaitSeconds: 0,
        terminationWaitSeconds: 0,
        originals: 'KEEP_ALIVE',
      },
    ],
    [
      'STOP_DEPLOYMENT waits its minutes; TERMINATE waits its own',
      {
        greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' as const },
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT' as const, waitTimeInMinutes: 45 },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'TERMINATE' as const,
          terminationWaitTimeInMinutes: 60,
        },
      },
      {
        greenFleet: 'COPY_AUTO_SCALING_GROUP',
        readyWaitSeconds: 2700,
        terminationWaitSeconds: 3600,
        originals: 'TERMINATE',
      },
    ],
    [
      'CONTINUE_DEPLOYMENT ignores the wait time; KEEP_ALIVE has no termination wait',
      {
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' as const, waitTimeInMinutes: 45 },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'KEEP_ALIVE' as const,
          terminationWaitTimeInMinutes: 60,
        },
      },
      {
        greenFleet: 'DISCOVER_EXISTING',
        readyWaitSeconds: 0,
        terminationWaitSeconds: 0,
        originals: 'KEEP_ALIVE',
      },
    ],
    [
      'waits are capped at 48 hours',
      {
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT' as const, waitTimeInMinutes: 10_000 },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'TERMINATE' as const,
          terminationWaitTimeInMinutes: 10_000,
        },
      },
      {
        greenFleet: 'DISCOVER_EXISTING',
        readyWaitSeconds: 2880 * 60,
        terminationWaitSeconds: 2880 * 60,
        originals: 'TERMINATE',
      },
    ],
  ])('%s', (_name, config, expected) => {
    expect(blueGreenOptionsOf(config)).toEqual(expected);
  });
});

describe('phases and their events (reference §2.1)', () => {
  it('gives replacements the install then the allow events, originals the block events, and a rollback the other way round', () => {
    expect(phaseEvents('install')).toEqual([
      'ApplicationStop',
      'DownloadBundle',
      'BeforeInstall',
      'Install',
      'AfterInstall',
      'ApplicationStart',
      'ValidateService',
    ]);
    expect(phaseEvents('allow')).toEqual(['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic']);
    expect(phaseEvents('block')).toEqual(['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic']);
    // The rollback column: originals allow again, replacements block.
    expect(phaseEvents('rollback-allow')).toEqual(phaseEvents('allow'));
    expect(phaseEvents('rollback-block')).toEqual(phaseEvents('block'));
    expect([phaseLabel('install'), phaseLabel('allow'), phaseLabel('block')]).toEqual([
      'Green',
      'Green',
      'Blue',
    ]);
    expect([phaseLabel('rollback-allow'), phaseLabel('rollback-block')]).toEqual(['Blue', 'Green']);
    expect(targetEvents('Green')).toEqual([...phaseEvents('install'), ...phaseEvents('allow')]);
    expect(targetEvents('Blue')).toEqual(phaseEvents('block'));
  });

  it('goes forward through the waits only when they apply', () => {
    const options = (ready: number, termination: number): BlueGreenOptions => ({
      greenFleet: 'COPY_AUTO_SCALING_GROUP',
      readyWaitSeconds: ready,
      terminationWaitSeconds: termination,
      originals: 'TERMINATE',
    });
    const path = (o: BlueGreenOptions) => {
      const phases = ['provision'];
      while (phases.at(-1) !== 'retire') phases.push(nextForwardPhase(phases.at(-1) as 'provision', o));
      return phases;
    };
    expect(path(options(0, 0))).toEqual(['provision', 'install', 'allow', 'block', 'retire']);
    expect(path(options(60, 60))).toEqual([
      'provision',
      'install',
      'ready-wait',
      'allow',
      'block',
      'termination-wait',
      'retire',
    ]);
    expect(() => nextForwardPhase('rollback-allow', options(0, 0))).toThrow(/does not go forward/);
  });

  it('names the copy as CodeDeploy does, and each replacement host after its original', () => {
    expect(replacementAutoScalingGroupName('web', 'd-ABCDEFGHJ')).toBe('CodeDeploy_web_d-ABCDEFGHJ');
    expect(replacementHostName('host-1', 'd-ABCDEFGHJ')).toBe('host-1-ABCDEFGHJ');
    // A replacement's replacement keeps the original name, not a growing chain of suffixes.
    expect(replacementHostName('host-1-ABCDEFGHJ', 'd-KLMNPQRST')).toBe('host-1-KLMNPQRST');
    expect(replacementHostName('web-a', 'd-KLMNPQRST')).toBe('web-a-KLMNPQRST');
  });
});

describe('schedule policies of the blue/green phases', () => {
  it('failOnAnyFailure (the originals leaving) ends the schedule at its first failure, whatever the minimum', () => {
    let { progress } = createServerProgress(instances(4), allAtOnce, { failOnAnyFailure: true });
    const action = nextProgressAction(progress);
    expect(action).toEqual({ kind: 'start', size: { unhealthy: 4, healthy: 0 } });
    progress = startBatch(progress, { unhealthy: 4, healthy: 0 });
    progress = afterBatchResults(progress, 0, ['Succeeded', 'Failed', 'Succeeded', 'Succeeded']);
    expect(nextProgressAction(progress)).toMatchObject({
      kind: 'done',
      outcome: { status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS' },
    });
    // Without it, AllAtOnce succeeds with three of four.
    let plain = createServerProgress(instances(4), allAtOnce).progress;
    plain = afterBatchResults(startBatch(plain, { unhealthy: 4, healthy: 0 }), 0, [
      'Succeeded',
      'Failed',
      'Succeeded',
      'Succeeded',
    ]);
    expect(nextProgressAction(plain)).toMatchObject({ kind: 'done', outcome: { status: 'Succeeded' } });
  });

  it('bestEffort (a rollback) attempts every instance and ends Succeeded even when all fail', () => {
    const oneAtATime = getPredefinedConfig('CodeDeployDefault.OneAtATime')!;
    let { progress } = createServerProgress(instances(3), oneAtATime, { bestEffort: true });
    for (let k = 0; k < 3; k++) {
      const action = nextProgressAction(progress);
      expect(action.kind).toBe('start');
      progress = afterBatchResults(startBatch(progress, { unhealthy: 1, healthy: 0 }), 0, ['Failed']);
    }
    expect(nextProgressAction(progress)).toEqual({ kind: 'done', outcome: { status: 'Succeeded' } });
  });
});
