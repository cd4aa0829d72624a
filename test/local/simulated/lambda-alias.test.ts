import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AliasRouting } from '../../../functions/ports/lambda-alias.js';
import { SimulatedLambda, type RoutingChange } from '../../../local/simulated/lambda.js';
import { ManualTimers } from './manual-timers.js';

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

const routing = (
  functionVersion: string,
  additionalVersionWeights: Record<string, number> = {},
): AliasRouting => ({
  functionVersion,
  additionalVersionWeights,
});

describe('SimulatedLambda aliases', () => {
  let timers: ManualTimers;
  let lambda: SimulatedLambda;

  beforeEach(() => {
    timers = new ManualTimers();
    lambda = new SimulatedLambda(timers);
    lambda.createFunction('api');
    for (let i = 0; i < 3; i++) lambda.publishVersion('api');
    lambda.createAlias('api', 'live', '1');
  });

  describe('set-up', () => {
    it('numbers published versions 1, 2, ... per function', () => {
      lambda.createFunction('other');
      expect(lambda.publishVersion('other')).toBe('1');
      expect(lambda.publishVersion('other')).toBe('2');
      expect(lambda.publishVersion('api')).toBe('4');
    });

    it('creates an alias that getAlias reads back without routing', async () => {
      expect(await lambda.getAlias('api', 'live')).toEqual(routing('1'));
    });

    it('creates an alias that is already weighted, under the same rules', async () => {
      lambda.createAlias('api', 'canary', '1', { '2': 0.25 });
      expect(await lambda.getAlias('api', 'canary')).toEqual(routing('1', { '2': 0.25 }));
      expect(thrown(() => lambda.createAlias('api', 'bad', '1', { '1': 0.25 }))).toMatchObject({
        name: 'InvalidParameterValueError',
      });
      await expect(lambda.getAlias('api', 'bad')).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
    });

    it('allows an alias on $LATEST when it has no routing', async () => {
      lambda.createAlias('api', 'dev', '$LATEST');
      expect(await lambda.getAlias('api', 'dev')).toEqual(routing('$LATEST'));
    });

    it.each([
      ['a duplicate function', (l: SimulatedLambda) => l.createFunction('api'), 'ResourceConflictError'],
      [
        'an invalid function name',
        (l: SimulatedLambda) => l.createFunction('my function'),
        'InvalidParameterValueError',
      ],
      [
        'publishing on an unknown function',
        (l: SimulatedLambda) => l.publishVersion('nope'),
        'ResourceNotFoundError',
      ],
      [
        'a duplicate alias',
        (l: SimulatedLambda) => l.createAlias('api', 'live', '2'),
        'ResourceConflictError',
      ],
      [
        'an all-digit alias name',
        (l: SimulatedLambda) => l.createAlias('api', '12', '1'),
        'InvalidParameterValueError',
      ],
      [
        'an alias on an unpublished version',
        (l: SimulatedLambda) => l.createAlias('api', 'x', '7'),
        'ResourceNotFoundError',
      ],
      [
        'an alias on an unknown function',
        (l: SimulatedLambda) => l.createAlias('nope', 'x', '1'),
        'ResourceNotFoundError',
      ],
      [
        'a hook on an unknown function',
        (l: SimulatedLambda) => l.registerHook('nope', async () => undefined),
        'ResourceNotFoundError',
      ],
    ])('rejects %s', (_label, action, name) => {
      expect(thrown(() => action(lambda))).toMatchObject({ name });
    });
  });

  describe('versionExists', () => {
    it('is true for published versions only', async () => {
      expect(await lambda.versionExists('api', '1')).toBe(true);
      expect(await lambda.versionExists('api', '3')).toBe(true);
      expect(await lambda.versionExists('api', '4')).toBe(false);
      expect(await lambda.versionExists('api', '0')).toBe(false);
      expect(await lambda.versionExists('api', '01')).toBe(false);
    });

    it('is false for $LATEST, which exists but is not a published version', async () => {
      expect(await lambda.versionExists('api', '$LATEST')).toBe(false);
    });

    it('fails with ResourceNotFoundError for an unknown function', async () => {
      await expect(lambda.versionExists('nope', '1')).rejects.toMatchObject({
        name: 'ResourceNotFoundError',
      });
    });
  });

  describe('updateAlias', () => {
    it('sets a weighted routing, then removes it with an empty map', async () => {
      await lambda.updateAlias('api', 'live', routing('1', { '2': 0.1 }));
      expect(await lambda.getAlias('api', 'live')).toEqual(routing('1', { '2': 0.1 }));
      await lambda.updateAlias('api', 'live', routing('2'));
      expect(await lambda.getAlias('api', 'live')).toEqual(routing('2'));
    });

    it('accepts the inclusive weight bounds 0 and 1', async () => {
      await lambda.updateAlias('api', 'live', routing('1', { '2': 0 }));
      expect(await lambda.getAlias('api', 'live')).toEqual(routing('1', { '2': 0 }));
      await lambda.updateAlias('api', 'live', routing('1', { '2': 1 }));
      expect(await lambda.getAlias('api', 'live')).toEqual(routing('1', { '2': 1 }));
    });

    it('moves an alias to $LATEST when no routing is set', async () => {
      await lambda.updateAlias('api', 'live', routing('$LATEST'));
      expect(await lambda.getAlias('api', 'live')).toEqual(routing('$LATEST'));
    });

    it('keeps its own copies: mutating the argument or a result does not change the alias', async () => {
      const desired = routing('1', { '2': 0.1 });
      await lambda.updateAlias('api', 'live', desired);
      desired.additionalVersionWeights['2'] = 0.9;
      const read = await lambda.getAlias('api', 'live');
      read.additionalVersionWeights['3'] = 0.5;
      expect(await lambda.getAlias('api', 'live')).toEqual(routing('1', { '2': 0.1 }));
    });

    const rejected: Array<[string, string, string, AliasRouting, string, RegExp]> = [
      [
        'an unknown function',
        'nope',
        'live',
        routing('2'),
        'ResourceNotFoundError',
        /Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope/,
      ],
      [
        'an unknown alias',
        'api',
        'prod',
        routing('2'),
        'ResourceNotFoundError',
        /Cannot find alias arn: .*:function:api:prod/,
      ],
      [
        'an unpublished primary version',
        'api',
        'live',
        routing('9'),
        'ResourceNotFoundError',
        /Function not found: .*:function:api:9/,
      ],
      [
        'an unpublished additional version',
        'api',
        'live',
        routing('1', { '9': 0.1 }),
        'ResourceNotFoundError',
        /function:api:9/,
      ],
      [
        'more than one additional version',
        'api',
        'live',
        routing('1', { '2': 0.1, '3': 0.1 }),
        'InvalidParameterValueError',
        /Number of items in AdditionalVersionWeights cannot be greater than 1/,
      ],
      [
        'a negative weight',
        'api',
        'live',
        routing('1', { '2': -0.01 }),
        'InvalidParameterValueError',
        /greater than or equal to 0\.0/,
      ],
      [
        'a weight above 1',
        'api',
        'live',
        routing('1', { '2': 1.01 }),
        'InvalidParameterValueError',
        /less than or equal to 1\.0/,
      ],
      [
        'a NaN weight',
        'api',
        'live',
        routing('1', { '2': Number.NaN }),
        'InvalidParameterValueError',
        /failed to satisfy constraint/,
      ],
      [
        'the primary version as additional version',
        'api',
        'live',
        routing('2', { '2': 0.5 }),
        'InvalidParameterValueError',
        /Function version 2 is already included in routing configuration/,
      ],
      [
        '$LATEST as primary with routing',
        'api',
        'live',
        routing('$LATEST', { '2': 0.5 }),
        'InvalidParameterValueError',
        /\$LATEST is not supported for an alias pointing to more than 1 version/,
      ],
      [
        '$LATEST as additional version',
        'api',
        'live',
        routing('1', { $LATEST: 0.5 }),
        'InvalidParameterValueError',
        /regular expression pattern: \[0-9\]\+/,
      ],
    ];

    it.each(rejected)('rejects %s and changes nothing', async (_label, fn, alias, desired, name, message) => {
      lambda.createAlias('api', 'canary', '1', { '2': 0.3 });
      const before = {
        live: await lambda.getAlias('api', 'live'),
        canary: await lambda.getAlias('api', 'canary'),
      };
      const listener = vi.fn();
      lambda.subscribe(listener);

      const error = await lambda.updateAlias(fn, alias, desired).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name });
      expect((error as Error).message).toMatch(message);
      expect({
        live: await lambda.getAlias('api', 'live'),
        canary: await lambda.getAlias('api', 'canary'),
      }).toEqual(before);
      expect(lambda.routingChanges()).toEqual([]);
      expect(listener).not.toHaveBeenCalled();
    });

    it('rejects getAlias on an unknown function or alias with ResourceNotFoundError', async () => {
      await expect(lambda.getAlias('nope', 'live')).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
      await expect(lambda.getAlias('api', 'prod')).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
    });
  });

  describe('throttleNext', () => {
    it('fails exactly the next N updateAlias calls with ThrottlingError, changing nothing', async () => {
      lambda.throttleNext('updateAlias', 2);
      for (let i = 0; i < 2; i++) {
        await expect(lambda.updateAlias('api', 'live', routing('1', { '2': 0.1 }))).rejects.toMatchObject({
          name: 'ThrottlingError',
          code: 'TooManyRequestsException',
        });
        expect(await lambda.getAlias('api', 'live')).toEqual(routing('1'));
      }
      expect(lambda.routingChanges()).toEqual([]);
      await lambda.updateAlias('api', 'live', routing('1', { '2': 0.1 }));
      expect(await lambda.getAlias('api', 'live')).toEqual(routing('1', { '2': 0.1 }));
    });

    it('counts getAlias separately from updateAlias', async () => {
      lambda.throttleNext('getAlias', 1);
      await lambda.updateAlias('api', 'live', routing('2'));
      await expect(lambda.getAlias('api', 'live')).rejects.toMatchObject({ name: 'ThrottlingError' });
      expect(await lambda.getAlias('api', 'live')).toEqual(routing('2'));
    });

    it('throttles before any other check, as the front door does', async () => {
      lambda.throttleNext('getAlias', 1);
      await expect(lambda.getAlias('nope', 'live')).rejects.toMatchObject({ name: 'ThrottlingError' });
      await expect(lambda.getAlias('nope', 'live')).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
    });

    it('replaces the pending count, so 0 clears it', async () => {
      lambda.throttleNext('getAlias', 3);
      lambda.throttleNext('getAlias', 0);
      expect(await lambda.getAlias('api', 'live')).toEqual(routing('1'));
    });

    it('refuses a count that is not a non-negative integer', () => {
      expect(() => lambda.throttleNext('getAlias', -1)).toThrow(RangeError);
      expect(() => lambda.throttleNext('getAlias', 1.5)).toThrow(RangeError);
    });
  });

  describe('history', () => {
    it('records every successful updateAlias with the simulation time', async () => {
      const start = timers.now();
      await lambda.updateAlias('api', 'live', routing('1', { '2': 0.1 }));
      await timers.advance(60_000);
      await lambda.updateAlias('api', 'live', routing('2'));
      await lambda.updateAlias('api', 'live', routing('2'));

      expect(lambda.routingChanges()).toEqual([
        { at: start, functionName: 'api', alias: 'live', routing: routing('1', { '2': 0.1 }) },
        { at: new Date(start.getTime() + 60_000), functionName: 'api', alias: 'live', routing: routing('2') },
        { at: new Date(start.getTime() + 60_000), functionName: 'api', alias: 'live', routing: routing('2') },
      ]);
    });

    it('notifies subscribers of each change until they unsubscribe', async () => {
      const seen: RoutingChange[] = [];
      const unsubscribe = lambda.subscribe((change) => seen.push(change));
      await lambda.updateAlias('api', 'live', routing('1', { '2': 0.5 }));
      unsubscribe();
      await lambda.updateAlias('api', 'live', routing('2'));
      expect(seen).toEqual([
        { at: timers.now(), functionName: 'api', alias: 'live', routing: routing('1', { '2': 0.5 }) },
      ]);
    });

    it('does not let a failing subscriber fail the update', async () => {
      const onListenerError = vi.fn();
      lambda = new SimulatedLambda(timers, { onListenerError });
      lambda.createFunction('api');
      lambda.publishVersion('api');
      lambda.createAlias('api', 'live', '1');
      const boom = new Error('printer broke');
      lambda.subscribe(() => {
        throw boom;
      });
      const after = vi.fn();
      lambda.subscribe(after);

      await lambda.updateAlias('api', 'live', routing('1'));

      expect(onListenerError).toHaveBeenCalledWith(boom);
      expect(after).toHaveBeenCalledTimes(1);
      expect(lambda.routingChanges()).toHaveLength(1);
    });

    it('hands out copies of the history', async () => {
      await lambda.updateAlias('api', 'live', routing('1', { '2': 0.1 }));
      const [first] = lambda.routingChanges();
      if (!first) throw new Error('no change recorded');
      first.routing.additionalVersionWeights['2'] = 0.9;
      expect(lambda.routingChanges()[0]?.routing).toEqual(routing('1', { '2': 0.1 }));
    });
  });
});
