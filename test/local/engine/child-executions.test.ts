import { afterEach, describe, expect, it } from 'vitest';
import {
  EmbeddedEngine,
  RealClock,
  VirtualClock,
  type EngineClock,
  stateMachineArn,
  type StepHandler,
} from '../../../local/engine/index.js';
import { field, fixture, namedError } from './support.js';

/** Parent and child on one engine; the child doubles `value` after waiting `value` seconds. */
function parentAndChild(
  double: StepHandler,
  clock: EngineClock = new VirtualClock({ startMs: 0 }),
): { engine: EmbeddedEngine; clock: EngineClock } {
  const engine = new EmbeddedEngine({ clock, handlers: { Double: double } });
  engine.register('child', fixture('child.asl.yaml'));
  engine.register('parent', fixture('child-parent.asl.yaml'), {
    ChildStateMachineArn: stateMachineArn('child'),
  });
  return { engine, clock };
}

const doubled: StepHandler = async (input) => ({
  doubled: 2 * Number((input as { value: number }).value),
});

describe('EmbeddedEngine: child executions (states:startExecution.sync:2)', () => {
  let engine: EmbeddedEngine | undefined;
  afterEach(async () => {
    await engine?.dispose();
    engine = undefined;
  });

  it('runs the child on the same engine and returns its description with Output as JSON', async () => {
    const run = parentAndChild(doubled);
    engine = run.engine;
    const outcome = await engine.startExecution('parent', 'd-PARENT001', { value: 30 }).result;
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.output).toEqual({
      value: 30,
      child: { status: 'SUCCEEDED', output: { doubled: 60 } },
    });
    // The child waited 30 s of the shared clock while the parent waited on it.
    expect(outcome.stoppedAtMs - outcome.startedAtMs).toBe(30_000);
    const executions = engine.executions();
    const child = executions.find((e) => e.stateMachineName === 'child');
    expect(child).toMatchObject({
      executionName: 'd-PARENT001-child',
      status: 'SUCCEEDED',
      parent: { stateMachineName: 'parent', executionName: 'd-PARENT001' },
    });
  });

  it('passes the child input given in Parameters, the parent execution id included', async () => {
    const seen: unknown[] = [];
    const run = parentAndChild(async (input) => {
      seen.push(input);
      return {};
    });
    engine = run.engine;
    await engine.startExecution('parent', 'd-PARENT002', { value: 1 }).result;
    expect(seen).toEqual([
      {
        value: 1,
        AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID:
          'arn:aws:states:us-east-1:000000000000:execution:parent:d-PARENT002',
      },
    ]);
  });

  it('fails the parent Task with States.TaskFailed, the child error and cause in the Cause', async () => {
    const run = parentAndChild(async () => {
      throw namedError('HealthConstraintsError', 'too many instances failed');
    });
    engine = run.engine;
    const outcome = await engine.startExecution('parent', 'd-PARENT003', { value: 1 }).result;
    expect(outcome.status).toBe('SUCCEEDED');
    const error = (outcome.output as { error: { Error: string; Cause: string } }).error;
    expect(error.Error).toBe('States.TaskFailed');
    expect(JSON.parse(error.Cause)).toMatchObject({
      Status: 'FAILED',
      Name: 'd-PARENT003-child',
      Error: 'HealthConstraintsError',
      Cause: 'too many instances failed',
      Input: { value: 1 },
    });
  });

  it('stops the running child when the parent is stopped', async () => {
    // Real time, so that the child is still in its 600 s Wait when the parent is stopped.
    const run = parentAndChild(doubled, new RealClock());
    engine = run.engine;
    const { result } = engine.startExecution('parent', 'd-PARENT004', { value: 600 });
    // Let the child start and park on its Wait.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(engine.executions().find((e) => e.stateMachineName === 'child')?.status).toBe('RUNNING');
    await engine.stopExecution('parent', 'd-PARENT004', { error: 'Stopped', cause: 'console' });
    expect((await result).status).toBe('ABORTED');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(engine.executions().find((e) => e.stateMachineName === 'child')?.status).toBe('ABORTED');
  });

  it('times the Task out on the engine clock (States.Timeout) and stops the child', async () => {
    const run = parentAndChild(doubled);
    engine = run.engine;
    // The child waits 7200 s; the parent Task allows 3600 s, then its Catch (States.ALL) takes over.
    const outcome = await engine.startExecution('parent', 'd-PARENT005', { value: 7200 }).result;
    expect((outcome.output as { error: { Error: string } }).error.Error).toBe('States.Timeout');
    expect(outcome.stoppedAtMs - outcome.startedAtMs).toBe(3_600_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(engine.executions().find((e) => e.stateMachineName === 'child')?.status).toBe('ABORTED');
  });

  it('refuses at registration a child execution that does not wait for its end', () => {
    const clock = new VirtualClock({ startMs: 0 });
    engine = new EmbeddedEngine({ clock, handlers: { Double: doubled } });
    engine.register('child', fixture('child.asl.yaml'));
    const fireAndForget = fixture('child-parent.asl.yaml');
    expect(() =>
      engine?.registerLoaded('fire', {
        source: fireAndForget,
        definition: {
          StartAt: 'Start',
          States: {
            Start: {
              Type: 'Task',
              Resource: 'arn:aws:states:::states:startExecution',
              Parameters: { StateMachineArn: stateMachineArn('child') },
              End: true,
            },
          },
        },
        tasks: [
          {
            stateName: 'Start',
            stepName: null,
            resource: 'arn:aws:states:::states:startExecution',
            integration: 'states:startExecution',
            tokenWait: false,
          },
        ],
      }),
    ).toThrow(/\.sync or \.sync:2 only/);
  });
});

describe('EmbeddedEngine: history events, counted as Step Functions counts them', () => {
  let engine: EmbeddedEngine | undefined;
  afterEach(async () => {
    await engine?.dispose();
    engine = undefined;
  });

  /** history.asl.yaml: Pass, Lambda Task (retried), token Task, Choice, then Wait+Succeed or Fail. */
  function historyEngine(options: { throttles: number; answer: boolean }): EmbeddedEngine {
    let throttles = options.throttles;
    const e: EmbeddedEngine = new EmbeddedEngine({
      clock: new VirtualClock({ startMs: 0 }),
      handlers: {
        Call: async () => {
          if (throttles-- > 0) throw namedError('ThrottlingError', 'slow down');
          return {};
        },
        Park: async (input) => {
          const token = field(input, 'token');
          // Answered right after the handler returns (the token is parked before it is called).
          if (options.answer) void Promise.resolve().then(() => e.taskCallbacks.sendTaskSuccess(token, {}));
          return {};
        },
      },
    });
    e.register('history', fixture('history.asl.yaml'));
    return e;
  }

  it('counts each state with the documented figures (Pass 2, Lambda Task 5, token Task 6, Choice 2, Wait 2, Succeed 2, execution 2)', async () => {
    engine = historyEngine({ throttles: 0, answer: true });
    const outcome = await engine.startExecution('history', 'h-1', { fail: false }).result;
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.historyEvents).toBe(2 + 5 + 6 + 2 + 2 + 2 + 2);
  });

  it('adds 3 events per retry of a Lambda Task', async () => {
    engine = historyEngine({ throttles: 2, answer: true });
    const outcome = await engine.startExecution('history', 'h-2', { fail: false }).result;
    expect(outcome.historyEvents).toBe(21 + 2 * 3);
  });

  it('counts a token wait that times out into its Catch as one that succeeded (TaskTimedOut for TaskSucceeded)', async () => {
    engine = historyEngine({ throttles: 0, answer: false });
    const outcome = await engine.startExecution('history', 'h-3', { fail: false }).result;
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.historyEvents).toBe(21);
  });

  it('counts a Fail state as FailStateEntered, followed by ExecutionFailed', async () => {
    engine = historyEngine({ throttles: 0, answer: true });
    const outcome = await engine.startExecution('history', 'h-4', { fail: true }).result;
    expect(outcome.status).toBe('FAILED');
    expect(outcome.historyEvents).toBe(2 + 5 + 6 + 2 + 1 + 2);
  });

  it('counts a child execution Task as 6 events in the parent, and the child in its own history', async () => {
    const run = parentAndChild(doubled);
    engine = run.engine;
    const outcome = await engine.startExecution('parent', 'd-HISTORY01', { value: 1 }).result;
    // Parent: execution 2 + the .sync:2 Task 6.
    expect(outcome.historyEvents).toBe(2 + 6);
    // Child: execution 2 + Wait 2 + Lambda Task 5 + Succeed 2.
    expect(engine.executions().find((e) => e.stateMachineName === 'child')?.historyEvents).toBe(
      2 + 2 + 5 + 2,
    );
  });
});
