/**
 * The local ECS hook functions answer for the hook program by its exit status. A deployment that
 * ended first (stopped, timed out) refuses the answer with LifecycleEventAlreadyCompletedException:
 * an expected condition, said nowhere (a Ctrl-C of the demo printed it with a stack trace).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { LifecycleEventAlreadyCompletedException } from '../../../functions/domain/deployment-errors.js';
import { LocalHookFunctions } from '../../../local/ecs/hook-functions.js';

const work = mkdtempSync(join(tmpdir(), 'sd-ecs-hooks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
afterEach(() => errors.mockClear());
afterAll(() => errors.mockRestore());

type Answer = (
  deploymentId: string,
  hookExecutionId: string,
  status: 'Succeeded' | 'Failed',
) => Promise<unknown>;

function hooks(answer: Answer) {
  mkdirSync(join(work, 'hooks'), { recursive: true });
  writeFileSync(join(work, 'hooks', 'smokeTest.mjs'), 'process.exit(0);\n');
  return new LocalHookFunctions({
    logDirectory: join(work, 'logs'),
    contextOf: () => Promise.resolve({ directory: work, environment: {} }),
    answer,
  });
}

const payload = { DeploymentId: 'd-TEST00001', LifecycleEventHookExecutionId: 'hook-1' };

describe('LocalHookFunctions', () => {
  it('answers Succeeded for a hook program that exits 0', async () => {
    const answers: unknown[][] = [];
    const local = hooks((...args) => Promise.resolve(answers.push(args)));
    await local.invokeHook('smokeTest', payload);
    await local.idle();
    expect(answers).toEqual([['d-TEST00001', 'hook-1', 'Succeeded']]);
    expect(errors).not.toHaveBeenCalled();
  });

  it('says nothing when the deployment ended before the answer', async () => {
    const local = hooks(() =>
      Promise.reject(
        new LifecycleEventAlreadyCompletedException(
          'The AfterAllowTestTraffic lifecycle event already completed',
        ),
      ),
    );
    await local.invokeHook('smokeTest', payload);
    await local.idle();
    expect(errors).not.toHaveBeenCalled();
  });

  it('says in one line, without a stack, why another answer failed', async () => {
    const local = hooks(() => Promise.reject(new Error('the records are closed')));
    await local.invokeHook('smokeTest', payload);
    await local.idle();
    expect(errors).toHaveBeenCalledTimes(1);
    const [line] = errors.mock.calls[0] as [string];
    expect(line).toBe('hook smokeTest: Error: the records are closed');
  });
});
