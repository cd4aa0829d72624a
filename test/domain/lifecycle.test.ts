import { describe, expect, it } from 'vitest';
import {
  ECS_HOOKABLE_EVENTS,
  LAMBDA_HOOKABLE_EVENTS,
  SERVER_LIFECYCLE_EVENTS,
  SERVER_SCRIPTABLE_EVENTS,
  ecsLifecycleEvents,
  isEcsHookableEvent,
  isLambdaHookableEvent,
  isScriptableServerEvent,
  lambdaLifecycleEvents,
  lifecycleEventSequence,
  revisionForEvent,
  serverLifecycleEvents,
} from '../../functions/domain/lifecycle.js';
import type {
  HookRevision,
  LifecycleSequenceSpec,
  RevisionContext,
  ServerLifecycleEvent,
} from '../../functions/domain/lifecycle.js';

// Reference §2.1, written out per row.
const IN_PLACE_NO_LB = [
  'Start',
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'End',
];
const IN_PLACE_WITH_LB = [
  'Start',
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
  'End',
];
const BG_REPLACEMENT = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];
const BLOCK = ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'];
const ALLOW = ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'];
const LAMBDA = ['Start', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic', 'End'];
const ECS_WITH_TEST = [
  'Start',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
  'End',
];
const ECS_WITHOUT_TEST = ECS_WITH_TEST.filter((e) => e !== 'AllowTestTraffic');

describe('event sequences (§2.1)', () => {
  it.each<[string, LifecycleSequenceSpec, string[]]>([
    ['Server in-place, no load balancer', { platform: 'Server', role: 'in-place' }, IN_PLACE_NO_LB],
    [
      'Server in-place, with a load balancer',
      { platform: 'Server', role: 'in-place', withLoadBalancer: true },
      IN_PLACE_WITH_LB,
    ],
    [
      'Server in-place rollback (same as in-place)',
      { platform: 'Server', role: 'in-place', withLoadBalancer: true },
      IN_PLACE_WITH_LB,
    ],
    [
      'Server blue/green replacement',
      { platform: 'Server', role: 'blue-green-replacement', withLoadBalancer: true },
      BG_REPLACEMENT,
    ],
    [
      'Server blue/green original',
      { platform: 'Server', role: 'blue-green-original', withLoadBalancer: true },
      BLOCK,
    ],
    [
      'Server blue/green rollback, original',
      { platform: 'Server', role: 'blue-green-rollback-original' },
      ALLOW,
    ],
    [
      'Server blue/green rollback, replacement',
      { platform: 'Server', role: 'blue-green-rollback-replacement' },
      BLOCK,
    ],
    ['Lambda', { platform: 'Lambda' }, LAMBDA],
    ['ECS with a test listener', { platform: 'ECS', testListener: true }, ECS_WITH_TEST],
    ['ECS without a test listener', { platform: 'ECS', testListener: false }, ECS_WITHOUT_TEST],
  ])('%s', (_label, spec, expected) => {
    expect(lifecycleEventSequence(spec)).toEqual(expected);
  });

  it('the per-platform helpers agree', () => {
    expect(serverLifecycleEvents('in-place')).toEqual(IN_PLACE_NO_LB);
    expect(serverLifecycleEvents('in-place', true)).toEqual(IN_PLACE_WITH_LB);
    expect(lambdaLifecycleEvents()).toEqual(LAMBDA);
    expect(ecsLifecycleEvents(false)).toEqual(ECS_WITHOUT_TEST);
  });

  it('in place with a load balancer runs 13 events besides Start and End', () => {
    expect(serverLifecycleEvents('in-place', true).filter((e) => e !== 'Start' && e !== 'End')).toHaveLength(
      13,
    );
  });

  it('returned sequences are copies', () => {
    const events = serverLifecycleEvents('in-place', true);
    events.pop();
    expect(serverLifecycleEvents('in-place', true)).toEqual(IN_PLACE_WITH_LB);
  });
});

describe('exported event constants', () => {
  it('SERVER_LIFECYCLE_EVENTS is every Server event in in-place-with-LB order', () => {
    expect(SERVER_LIFECYCLE_EVENTS).toEqual(IN_PLACE_WITH_LB);
  });

  it('SERVER_SCRIPTABLE_EVENTS are the 9 hookable Server events in run order', () => {
    expect(SERVER_SCRIPTABLE_EVENTS).toEqual([
      'BeforeBlockTraffic',
      'AfterBlockTraffic',
      'ApplicationStop',
      'BeforeInstall',
      'AfterInstall',
      'ApplicationStart',
      'ValidateService',
      'BeforeAllowTraffic',
      'AfterAllowTraffic',
    ]);
  });

  it('LAMBDA_HOOKABLE_EVENTS and ECS_HOOKABLE_EVENTS', () => {
    expect(LAMBDA_HOOKABLE_EVENTS).toEqual(['BeforeAllowTraffic', 'AfterAllowTraffic']);
    expect(ECS_HOOKABLE_EVENTS).toEqual([
      'BeforeInstall',
      'AfterInstall',
      'AfterAllowTestTraffic',
      'BeforeAllowTraffic',
      'AfterAllowTraffic',
    ]);
  });
});

describe('isScriptableServerEvent', () => {
  it.each([
    ['ApplicationStop', true],
    ['BeforeInstall', true],
    ['AfterInstall', true],
    ['ApplicationStart', true],
    ['ValidateService', true],
    ['BeforeBlockTraffic', true],
    ['AfterBlockTraffic', true],
    ['BeforeAllowTraffic', true],
    ['AfterAllowTraffic', true],
    ['Start', false],
    ['DownloadBundle', false],
    ['Install', false],
    ['BlockTraffic', false],
    ['AllowTraffic', false],
    ['End', false],
    ['test_hook', false],
    ['applicationstop', false],
  ])('%s -> %s', (event, scriptable) => {
    expect(isScriptableServerEvent(event)).toBe(scriptable);
  });

  it.each([
    ['BeforeAllowTraffic', true, true],
    ['AfterAllowTraffic', true, true],
    ['BeforeInstall', false, true],
    ['AfterInstall', false, true],
    ['AfterAllowTestTraffic', false, true],
    ['AllowTestTraffic', false, false],
    ['AllowTraffic', false, false],
  ])('%s hookable on Lambda %s, on ECS %s', (event, lambda, ecs) => {
    expect(isLambdaHookableEvent(event)).toBe(lambda);
    expect(isEcsHookableEvent(event)).toBe(ecs);
  });
});

describe('revisionForEvent (§2.2)', () => {
  const inPlace: RevisionContext = { deploymentType: 'IN_PLACE', creator: 'user' };
  const inPlaceRollback: RevisionContext = { deploymentType: 'IN_PLACE', creator: 'codeDeployRollback' };
  const blueGreen: RevisionContext = { deploymentType: 'BLUE_GREEN', creator: 'user' };
  const blueGreenRollback: RevisionContext = { deploymentType: 'BLUE_GREEN', creator: 'codeDeployRollback' };

  it.each<[ServerLifecycleEvent, HookRevision, HookRevision]>([
    ['BeforeBlockTraffic', 'LAST_SUCCESSFUL', 'MOST_RECENT'],
    ['AfterBlockTraffic', 'LAST_SUCCESSFUL', 'MOST_RECENT'],
    ['ApplicationStop', 'LAST_SUCCESSFUL', 'LAST_SUCCESSFUL'],
    ['BeforeInstall', 'CURRENT', 'CURRENT'],
    ['AfterInstall', 'CURRENT', 'CURRENT'],
    ['ApplicationStart', 'CURRENT', 'CURRENT'],
    ['ValidateService', 'CURRENT', 'CURRENT'],
    ['BeforeAllowTraffic', 'CURRENT', 'LAST_SUCCESSFUL'],
    ['AfterAllowTraffic', 'CURRENT', 'LAST_SUCCESSFUL'],
  ])('%s: normal %s, blue/green rollback %s', (event, normal, rollback) => {
    expect(revisionForEvent(event, inPlace)).toBe(normal);
    expect(revisionForEvent(event, blueGreen)).toBe(normal);
    expect(revisionForEvent(event, inPlaceRollback)).toBe(normal);
    expect(revisionForEvent(event, { deploymentType: 'IN_PLACE' })).toBe(normal);
    expect(revisionForEvent(event, blueGreenRollback)).toBe(rollback);
  });

  it.each<ServerLifecycleEvent>([
    'Start',
    'DownloadBundle',
    'Install',
    'BlockTraffic',
    'AllowTraffic',
    'End',
  ])('non-scriptable %s acts on the current revision', (event) => {
    expect(revisionForEvent(event, blueGreenRollback)).toBe('CURRENT');
  });
});
