import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedEngine, RealClock, VirtualClock } from '../../../local/engine/index.js';
import type { EngineClock } from '../../../local/engine/index.js';
import { fixture, namedError, recordEvents } from './support.js';

const START = Date.UTC(2025, 0, 1);

describe('EmbeddedEngine: retries, Wait states and execution timeouts on the engine clock', () => {
  let engine: EmbeddedEngine | undefined;
  afterEach(async () => {
    await engine?.dispose();
    engine = undefined;
  });

  function flakyEngine(clock: EngineClock, failures: number, retryIntervalMs?: number) {
    const callTimes: number[] = [];
    const options = {
      clock,
      handlers: {
        CallApi: async () => {
          callTimes.push(clock.nowMs());
          if (callTimes.length <= failures) throw namedError('ThrottlingError', 'Rate exceeded');
          return { ok: true };
        },
      },
      ...(retryIntervalMs === undefined ? {} : { retryIntervalMs }),
    };
    engine = new EmbeddedEngine(options);
    engine.register('flaky', fixture('retry.asl.yaml'));
    return { engine, callTimes };
  }

  it('retries a ThrottlingError with the ASL backoff in virtual time (2 s, then 4 s)', async () => {
    const { engine: e, callTimes } = flakyEngine(new VirtualClock({ startMs: START }), 2);
    const events = recordEvents(e);
    const outcome = await e.startExecution('flaky', 'd-RETRY0001', {}).result;
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { ok: true } });
    expect(callTimes.map((t) => t - START)).toEqual([0, 2_000, 6_000]);
    expect(events.filter((ev) => ev.type === 'StateRetried')).toHaveLength(2);
    // One entry plus two retries.
    expect(outcome.stateTransitions).toBe(3);
  });

  it('fails with the handler error once MaxAttempts retries are spent', async () => {
    const { engine: e, callTimes } = flakyEngine(new VirtualClock({ startMs: START }), 10);
    const outcome = await e.startExecution('flaky', 'd-RETRY0002', {}).result;
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'ThrottlingError', cause: 'Rate exceeded' });
    expect(callTimes.map((t) => t - START)).toEqual([0, 2_000, 6_000, 14_000]);
  });

  it('uses a fixed retryIntervalMs when given, on the RealClock', async () => {
    const { engine: e, callTimes } = flakyEngine(new RealClock(), 2, 0);
    const outcome = await e.startExecution('flaky', 'd-RETRY0003', {}).result;
    expect(outcome.status).toBe('SUCCEEDED');
    expect(callTimes).toHaveLength(3);
  });

  it('runs Wait states (Seconds and SecondsPath) on the virtual clock and reports them as Wait', async () => {
    const clock = new VirtualClock({ startMs: START });
    let recordedAt = 0;
    let recordedInput: unknown;
    engine = new EmbeddedEngine({
      clock,
      handlers: {
        Record: async (input) => {
          recordedAt = clock.nowMs();
          recordedInput = input;
          return 'recorded';
        },
      },
    });
    const events = recordEvents(engine);
    engine.register('waits', fixture('wait.asl.yaml'));
    const outcome = await engine.startExecution('waits', 'd-WAIT00001', { pauseSeconds: 30, keep: 'me' })
      .result;
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: 'recorded' });
    expect(recordedAt - START).toBe(630_000);
    // A Wait passes its input through unchanged.
    expect(recordedInput).toEqual({ pauseSeconds: 30, keep: 'me' });
    const entered = events.filter((ev) => ev.type === 'StateEntered');
    expect(entered.map((ev) => [ev.stateName, ev.stateType, ev.atMs - START])).toEqual([
      ['Pause', 'Wait', 0],
      ['PauseFromInput', 'Wait', 600_000],
      ['Record', 'Task', 630_000],
    ]);
  });

  it('enforces the state machine TimeoutSeconds on the engine clock (TIMED_OUT)', async () => {
    const clock = new VirtualClock({ startMs: START });
    engine = new EmbeddedEngine({ clock, handlers: { Approve: async () => {} } });
    const events = recordEvents(engine);
    engine.register('approval', fixture('execution-timeout.asl.yaml'));
    const outcome = await engine.startExecution('approval', 'd-EXECTIME1', {}).result;
    expect(outcome).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(outcome.stoppedAtMs - START).toBe(3_600_000);
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionTimeout', atMs: START + 3_600_000 });
  });
});
