import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedEngine, RealClock, VirtualClock } from '../../../local/engine/index.js';
import type { EngineClock, StepHandler } from '../../../local/engine/index.js';
import { field, fixture, namedError, realDelay, recordEvents } from './support.js';

const START = Date.UTC(2025, 0, 1);

describe('EmbeddedEngine: .waitForTaskToken', () => {
  let engine: EmbeddedEngine | undefined;
  afterEach(async () => {
    await engine?.dispose();
    engine = undefined;
  });

  /** token-wait.asl.yaml with a RunHook step that records its tokens and runs `job` in the background. */
  function hookEngine(
    clock: EngineClock,
    job: (token: string, e: EmbeddedEngine) => Promise<void> = async () => {},
  ): { engine: EmbeddedEngine; tokens: string[] } {
    const tokens: string[] = [];
    const runHook: StepHandler = async (payload) => {
      const token = field(payload, 'taskToken');
      tokens.push(token);
      // Like the simulated Lambda: the hook runs after the step returns, tracked so that the
      // virtual clock knows work is in flight.
      void clock.track(job(token, created)).catch(() => {});
    };
    const created = new EmbeddedEngine({ clock, handlers: { RunHook: runHook } });
    created.register('hook', fixture('token-wait.asl.yaml'));
    engine = created;
    return { engine: created, tokens };
  }

  it('completes when a job started by the handler calls sendTaskSuccess', async () => {
    const clock = new VirtualClock({ startMs: START });
    const { engine: e } = hookEngine(clock, async (token, eng) => {
      await realDelay(20);
      await eng.taskCallbacks.sendTaskSuccess(token, { exitCode: 0 });
    });
    const outcome = await e.startExecution('hook', 'd-SUCCESS01', { deploymentId: 'd-1', timeoutSeconds: 60 })
      .result;
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.output).toEqual({
      deploymentId: 'd-1',
      timeoutSeconds: 60,
      hook: { exitCode: 0 },
      route: 'succeeded',
    });
    // The tracked job held the virtual clock: the 60 s timeout never came close.
    expect(clock.nowMs()).toBe(START);
  });

  it('hands the handler the Payload with the token and without the engine-internal timeout field', async () => {
    const payloads: unknown[] = [];
    const clock = new VirtualClock({ startMs: START });
    engine = new EmbeddedEngine({
      clock,
      handlers: {
        RunHook: async (payload) => {
          payloads.push(payload);
          await engine?.taskCallbacks.sendTaskSuccess(field(payload, 'taskToken'), 'done');
        },
      },
    });
    engine.register('hook', fixture('token-wait.asl.yaml'));
    const outcome = await engine.startExecution('hook', 'd-PAYLOAD01', {
      deploymentId: 'd-9',
      timeoutSeconds: 5,
    }).result;
    expect(outcome.output).toMatchObject({ hook: 'done', route: 'succeeded' });
    expect(payloads).toEqual([
      { deploymentId: 'd-9', taskToken: expect.stringMatching(/^d-PAYLOAD01:RunHook:/) },
    ]);
  });

  it('routes a sendTaskFailure through Catch by its error name, with the cause', async () => {
    const { engine: e } = hookEngine(new VirtualClock({ startMs: START }), async (token, eng) => {
      await realDelay(5);
      await eng.taskCallbacks.sendTaskFailure(token, 'HookFailed', 'ValidateService exited with 1');
    });
    const outcome = await e.startExecution('hook', 'd-FAILURE01', { deploymentId: 'd-1', timeoutSeconds: 60 })
      .result;
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.output).toMatchObject({
      route: 'hook-failed',
      error: { Error: 'HookFailed', Cause: 'ValidateService exited with 1' },
    });
  });

  it('fails the state with the handler error, name preserved, when the step itself throws', async () => {
    const clock = new VirtualClock({ startMs: START });
    engine = new EmbeddedEngine({
      clock,
      handlers: {
        RunHook: async () => {
          throw namedError('HookFailed', 'no such hook function');
        },
      },
    });
    engine.register('hook', fixture('token-wait.asl.yaml'));
    const caught = await engine.startExecution('hook', 'd-THROWS001', {
      deploymentId: 'd-1',
      timeoutSeconds: 60,
    }).result;
    expect(caught.output).toMatchObject({ route: 'hook-failed', error: { Error: 'HookFailed' } });
  });

  it('times out after 1800 s of virtual time with States.Timeout, and a late callback gets TaskTimedOut', async () => {
    const clock = new VirtualClock({ startMs: START });
    const { engine: e, tokens } = hookEngine(clock);
    const events = recordEvents(e);
    const outcome = await e.startExecution('hook', 'd-TIMEOUT01', {
      deploymentId: 'd-1',
      timeoutSeconds: 1800,
    }).result;
    expect(outcome.output).toMatchObject({ route: 'timed-out', error: { Error: 'States.Timeout' } });
    expect(clock.nowMs() - START).toBe(1_800_000);
    expect(outcome.stoppedAtMs - outcome.startedAtMs).toBe(1_800_000);
    const failed = events.find((ev) => ev.type === 'StateFailed');
    expect(failed).toMatchObject({ stateName: 'RunHook', error: 'States.Timeout', atMs: START + 1_800_000 });

    const late = e.taskCallbacks.sendTaskSuccess(tokens[0] as string, {});
    await expect(late).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(e.taskCallbacks.sendTaskFailure('no-such-token', 'X', 'y')).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
  });

  it('answers a second callback for the same token with TaskTimedOut', async () => {
    const { engine: e, tokens } = hookEngine(new VirtualClock({ startMs: START }));
    const handle = e.startExecution('hook', 'd-TWICE0001', { deploymentId: 'd-1', timeoutSeconds: 600 });
    await waitFor(() => tokens.length === 1);
    await e.taskCallbacks.sendTaskSuccess(tokens[0] as string, 1);
    await expect(e.taskCallbacks.sendTaskSuccess(tokens[0] as string, 2)).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    expect((await handle.result).output).toMatchObject({ hook: 1 });
  });

  it('takes a literal TimeoutSeconds as the normal end of a 30-minute bake, on the virtual clock', async () => {
    const clock = new VirtualClock({ startMs: START });
    let finishedAt = 0;
    engine = new EmbeddedEngine({
      clock,
      handlers: {
        Bake: async () => {},
        Finish: async () => {
          finishedAt = clock.nowMs();
          return 'finished';
        },
      },
    });
    engine.register('bake', fixture('bake.asl.yaml'));
    const outcome = await engine.startExecution('bake', 'd-BAKE00001', { deploymentId: 'd-1' }).result;
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: 'finished' });
    expect(finishedAt - START).toBe(1_800_000);
  });

  it('issues a distinct token for every entry of a state (Map over 3 items, MaxConcurrency 1)', async () => {
    const clock = new VirtualClock({ startMs: START });
    const seen: { instance: string; token: string }[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    engine = new EmbeddedEngine({
      clock,
      handlers: {
        RunScript: async (payload) => {
          const { instance, callback } = payload as { instance: string; callback: { token: string } };
          seen.push({ instance, token: callback.token });
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          void clock.track(
            (async () => {
              await realDelay(5);
              inFlight--;
              await engine?.taskCallbacks.sendTaskSuccess(callback.token, { instance, status: 'Succeeded' });
            })(),
          );
        },
      },
    });
    engine.register('fleet', fixture('map-tokens.asl.yaml'));
    const outcome = await engine.startExecution('fleet', 'd-FLEET0001', { instances: ['i-1', 'i-2', 'i-3'] })
      .result;
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.output).toEqual([
      { instance: 'i-1', status: 'Succeeded' },
      { instance: 'i-2', status: 'Succeeded' },
      { instance: 'i-3', status: 'Succeeded' },
    ]);
    expect(seen.map((s) => s.instance)).toEqual(['i-1', 'i-2', 'i-3']);
    expect(new Set(seen.map((s) => s.token)).size).toBe(3);
    expect(maxInFlight).toBe(1);
  });

  it('times a token wait out on the RealClock too (1 s)', async () => {
    const { engine: e } = hookEngine(new RealClock());
    const outcome = await e.startExecution('hook', 'd-REALCLOCK1', { deploymentId: 'd-1', timeoutSeconds: 1 })
      .result;
    expect(outcome.output).toMatchObject({ route: 'timed-out', error: { Error: 'States.Timeout' } });
    expect(outcome.stoppedAtMs - outcome.startedAtMs).toBeGreaterThanOrEqual(990);
  });

  it('stopExecution aborts a parked execution with the given error; its token is then closed', async () => {
    const { engine: e, tokens } = hookEngine(new VirtualClock({ startMs: START }));
    const handle = e.startExecution('hook', 'd-STOP00001', { deploymentId: 'd-1', timeoutSeconds: 600 });
    await waitFor(() => tokens.length === 1);
    const outcome = await e.stopExecution('hook', 'd-STOP00001', {
      error: 'UserStop',
      cause: 'stopped by test',
    });
    expect(outcome).toMatchObject({ status: 'ABORTED', error: 'UserStop', cause: 'stopped by test' });
    expect(await handle.result).toBe(outcome);
    await expect(e.taskCallbacks.sendTaskSuccess(tokens[0] as string, {})).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('dispose() aborts running executions and fails their parked tokens, so the process can exit', async () => {
    const clock = new VirtualClock({ startMs: START });
    const { engine: e, tokens } = hookEngine(clock);
    const handle = e.startExecution('hook', 'd-DISPOSE01', { deploymentId: 'd-1', timeoutSeconds: 600 });
    await waitFor(() => tokens.length === 1);
    await e.dispose();
    expect(await handle.result).toMatchObject({ status: 'ABORTED', error: 'EngineDisposed' });
    expect(clock.pendingTimers).toBe(0);
    await expect(e.taskCallbacks.sendTaskSuccess(tokens[0] as string, {})).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    expect(() => e.startExecution('hook', 'd-AFTER0001', {})).toThrow(
      expect.objectContaining({ name: 'EngineDisposed' }),
    );
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}
