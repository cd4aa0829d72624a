import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { HookInvocationPayload } from '../../../functions/ports/hook-invoker.js';
import { answeringHook, SimulatedLambda, type HookContext } from '../../../local/simulated/lambda.js';
import { deferred, ManualTimers } from './manual-timers.js';

const payload: HookInvocationPayload = {
  DeploymentId: 'd-ABCDEFGHI',
  LifecycleEventHookExecutionId: 'hook-exec-1',
};

describe('SimulatedLambda hooks', () => {
  let timers: ManualTimers;
  let lambda: SimulatedLambda;

  beforeEach(() => {
    timers = new ManualTimers();
    lambda = new SimulatedLambda(timers);
    lambda.createFunction('CodeDeployHook_preTraffic');
  });

  it('returns as soon as the invocation is accepted and runs the handler in the background', async () => {
    const handler = vi.fn(async (_event: HookInvocationPayload) => undefined);
    lambda.registerHook('CodeDeployHook_preTraffic', handler);

    await lambda.invokeHook('CodeDeployHook_preTraffic', payload);

    expect(handler).not.toHaveBeenCalled();
    expect(timers.busyCount).toBe(1);
    await timers.idle();
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]?.[0]).toEqual(payload);
    expect(lambda.invocations()).toEqual([
      { functionName: 'CodeDeployHook_preTraffic', payload, at: timers.now() },
    ]);
  });

  it('keeps the handler tracked as busy while it runs', async () => {
    const gate = deferred();
    lambda.registerHook('CodeDeployHook_preTraffic', () => gate.promise);
    await lambda.invokeHook('CodeDeployHook_preTraffic', payload);
    await new Promise((resolve) => setImmediate(resolve));
    expect(timers.busyCount).toBe(1);
    gate.resolve();
    await timers.idle();
    expect(timers.busyCount).toBe(0);
  });

  it('records a throwing handler as a function error instead of rejecting invokeHook', async () => {
    lambda.registerHook('CodeDeployHook_preTraffic', async () => {
      throw new TypeError('cannot read DeploymentId');
    });

    await expect(lambda.invokeHook('CodeDeployHook_preTraffic', payload)).resolves.toBeUndefined();
    await timers.idle();

    expect(lambda.invocations()).toEqual([
      {
        functionName: 'CodeDeployHook_preTraffic',
        payload,
        at: timers.now(),
        error: { errorType: 'TypeError', errorMessage: 'cannot read DeploymentId' },
      },
    ]);
  });

  it('rejects an unknown function with ResourceNotFoundError and records nothing', async () => {
    await expect(lambda.invokeHook('missing', payload)).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
    });
    expect(lambda.invocations()).toEqual([]);
  });

  it('accepts an invocation of a function without a handler: a hook that never answers', async () => {
    await lambda.invokeHook('CodeDeployHook_preTraffic', payload);
    expect(timers.busyCount).toBe(0);
    expect(lambda.invocations()).toHaveLength(1);
  });

  it('can throttle an invocation, which then neither runs nor is recorded', async () => {
    const handler = vi.fn(async () => undefined);
    lambda.registerHook('CodeDeployHook_preTraffic', handler);
    lambda.throttleNext('invokeHook', 1);

    await expect(lambda.invokeHook('CodeDeployHook_preTraffic', payload)).rejects.toMatchObject({
      name: 'ThrottlingError',
    });
    await timers.idle();

    expect(handler).not.toHaveBeenCalled();
    expect(lambda.invocations()).toEqual([]);
  });

  it('gives the handler a copy of the payload', async () => {
    lambda.registerHook('CodeDeployHook_preTraffic', async (event) => {
      event.DeploymentId = 'changed';
    });
    await lambda.invokeHook('CodeDeployHook_preTraffic', payload);
    await timers.idle();
    expect(lambda.invocations()[0]?.payload).toEqual(payload);
  });

  describe('answeringHook', () => {
    it('calls putStatus with the ids after its delay on the timers', async () => {
      const putStatus = vi.fn(async () => ({
        lifecycleEventHookExecutionId: payload.LifecycleEventHookExecutionId,
      }));
      lambda.registerHook('CodeDeployHook_preTraffic', answeringHook('Succeeded', putStatus, 30_000));

      await lambda.invokeHook('CodeDeployHook_preTraffic', payload);
      await timers.advance(29_999);
      expect(putStatus).not.toHaveBeenCalled();
      await timers.advance(1);

      expect(putStatus).toHaveBeenCalledExactlyOnceWith('d-ABCDEFGHI', 'hook-exec-1', 'Succeeded');
      expect(lambda.invocations()[0]?.error).toBeUndefined();
    });

    it('answers at once without a delay', async () => {
      const putStatus = vi.fn(async () => undefined);
      lambda.registerHook('CodeDeployHook_preTraffic', answeringHook('Failed', putStatus));
      await lambda.invokeHook('CodeDeployHook_preTraffic', payload);
      await timers.idle();
      expect(putStatus).toHaveBeenCalledExactlyOnceWith('d-ABCDEFGHI', 'hook-exec-1', 'Failed');
    });

    it('does not hold the clock busy while waiting, only while answering', async () => {
      const answer = deferred();
      const putStatus = vi.fn(() => answer.promise);
      lambda.registerHook('CodeDeployHook_preTraffic', answeringHook('Succeeded', putStatus, 5_000));

      await lambda.invokeHook('CodeDeployHook_preTraffic', payload);
      await timers.idle();
      // Sleeping: a compressed clock may jump straight to the hook's timer.
      expect(timers.busyCount).toBe(0);
      expect(timers.pendingTimers).toBe(1);

      const advanced = timers.advance(5_000);
      await vi.waitFor(() => expect(putStatus).toHaveBeenCalled());
      expect(timers.busyCount).toBe(1);
      answer.resolve();
      await advanced;
      expect(timers.busyCount).toBe(0);
    });

    it('records a failing putStatus as the invocation error', async () => {
      const putStatus = vi.fn(async () => {
        throw Object.assign(new Error('already completed'), {
          name: 'LifecycleEventAlreadyCompletedException',
        });
      });
      lambda.registerHook('CodeDeployHook_preTraffic', answeringHook('Succeeded', putStatus));
      await lambda.invokeHook('CodeDeployHook_preTraffic', payload);
      await timers.idle();
      expect(lambda.invocations()[0]?.error).toEqual({
        errorType: 'LifecycleEventAlreadyCompletedException',
        errorMessage: 'already completed',
      });
    });

    it('refuses a negative delay', () => {
      expect(() => answeringHook('Succeeded', async () => undefined, -1)).toThrow(RangeError);
    });
  });

  describe('context.sleep', () => {
    it('refuses overlapping sleeps, which would need per-branch busy accounting', async () => {
      lambda.registerHook('CodeDeployHook_preTraffic', async (_event, context: HookContext) => {
        await Promise.all([context.sleep(10), context.sleep(20)]);
      });
      await lambda.invokeHook('CodeDeployHook_preTraffic', payload);
      await timers.idle();
      expect(lambda.invocations()[0]?.error?.errorMessage).toMatch(/only sleep once at a time/);
    });

    it('does not mark the clock busy again when a sleep the handler forgot to await fires late', async () => {
      lambda.registerHook('CodeDeployHook_preTraffic', async (_event, context: HookContext) => {
        void context.sleep(1_000);
      });
      await lambda.invokeHook('CodeDeployHook_preTraffic', payload);
      await timers.advance(1_000);
      expect(timers.busyCount).toBe(0);
    });
  });
});
