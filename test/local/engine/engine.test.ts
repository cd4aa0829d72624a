import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedEngine, VirtualClock, prepareDefinition } from '../../../local/engine/index.js';
import type { StepHandler } from '../../../local/engine/index.js';
import { field, fixture, namedError, recordEvents } from './support.js';

describe('EmbeddedEngine: tasks, choices, events, names', () => {
  let engine: EmbeddedEngine | undefined;
  afterEach(async () => {
    await engine?.dispose();
    engine = undefined;
  });

  function chainEngine(calls: { step: string; input: unknown }[] = []): EmbeddedEngine {
    const record =
      (step: string, result: (input: unknown) => unknown): StepHandler =>
      async (input) => {
        calls.push({ step, input });
        return result(input);
      };
    engine = new EmbeddedEngine({
      clock: new VirtualClock({ startMs: 0 }),
      handlers: {
        Prepare: record('Prepare', (input) => ({ platform: field(input, 'platform') })),
        ShiftTraffic: record('ShiftTraffic', () => ({ shifted: true, ignored: 'x' })),
        Install: record('Install', () => ({ installed: 2 })),
      },
    });
    engine.register('chain', fixture('choice-chain.asl.yaml'));
    return engine;
  }

  it('runs a Task chain through a Choice, each Task on the handler of its step', async () => {
    const calls: { step: string; input: unknown }[] = [];
    const e = chainEngine(calls);

    const lambda = await e.startExecution('chain', 'd-LAMBDA0001', {
      deploymentId: 'd-1',
      platform: 'Lambda',
    }).result;
    expect(lambda.status).toBe('SUCCEEDED');
    expect(lambda.output).toEqual({
      deploymentId: 'd-1',
      platform: 'Lambda',
      prepared: { platform: 'Lambda' },
      // lambda:invoke wraps the result as { Payload }, which the ResultSelector unwraps.
      shift: { shifted: true },
    });
    // lambda:invoke hands the function Parameters.Payload only.
    expect(calls.map((c) => c.step)).toEqual(['Prepare', 'ShiftTraffic']);
    expect(calls[1]?.input).toEqual({ deploymentId: 'd-1', weight: 10 });

    const server = await e.startExecution('chain', 'd-SERVER0001', {
      deploymentId: 'd-2',
      platform: 'Server',
    }).result;
    expect(server.output).toMatchObject({ install: { installed: 2 } });
    // A Lambda-ARN resource gets the whole effective input.
    expect(calls[3]).toEqual({
      step: 'Install',
      input: { deploymentId: 'd-2', platform: 'Server', prepared: { platform: 'Server' } },
    });
  });

  it('streams the events of a run in order, stamped with the engine clock', async () => {
    const e = chainEngine();
    const events = recordEvents(e);
    const outcome = await e.startExecution('chain', 'd-EVENTS0001', {
      deploymentId: 'd-3',
      platform: 'Lambda',
    }).result;
    expect(events.map((ev) => [ev.type, ev.stateName])).toEqual([
      ['ExecutionStarted', undefined],
      ['StateEntered', 'Prepare'],
      ['StateExited', 'Prepare'],
      ['StateEntered', 'IsLambda'],
      ['StateExited', 'IsLambda'],
      ['StateEntered', 'ShiftTraffic'],
      ['StateExited', 'ShiftTraffic'],
      ['StateEntered', 'Finish'],
      ['StateExited', 'Finish'],
      ['ExecutionSucceeded', undefined],
    ]);
    expect(new Set(events.map((ev) => ev.executionName))).toEqual(new Set(['d-EVENTS0001']));
    expect(new Set(events.map((ev) => ev.stateMachineName))).toEqual(new Set(['chain']));
    expect(events.every((ev) => ev.atMs === 0)).toBe(true);
    expect(events[0]?.input).toEqual({ deploymentId: 'd-3', platform: 'Lambda' });
    expect(events[2]?.output).toMatchObject({ prepared: { platform: 'Lambda' } });
    expect(outcome.stateTransitions).toBe(4);
  });

  it('runs Tasks nested in Parallel branches and Map iterations, and binds other resources by state name', async () => {
    const perItem: unknown[] = [];
    engine = new EmbeddedEngine({
      clock: new VirtualClock({ startMs: 0 }),
      handlers: {
        Left: async () => 'left',
        PerItem: async (payload) => {
          perItem.push(payload);
          return { doubled: (payload as number) * 2 };
        },
        // An aws-sdk/optimized integration has no function: its handler is named after the state.
        Table: async (input) => ({ written: input }),
      },
    });
    const events = recordEvents(engine);
    engine.register('nested', fixture('nested.asl.yaml'), { TableName: 'deployments' });
    const outcome = await engine.startExecution('nested', 'd-NESTED001', { items: [1, 2, 3] }).result;
    expect(outcome.status).toBe('SUCCEEDED');
    expect(perItem).toEqual([1, 2, 3]);
    expect(outcome.output).toEqual({ written: { TableName: 'deployments', Item: { id: { S: 'x' } } } });
    const iterations = events.filter((ev) => ev.type === 'MapIterationSucceeded');
    // Iterations run concurrently (no MaxConcurrency): compare as a set.
    expect(iterations.map((ev) => `${ev.stateName}#${ev.index}`).sort()).toEqual([
      'Items#0',
      'Items#1',
      'Items#2',
    ]);
    // Fan, Left, Items, 3 x PerItem, Table.
    expect(outcome.stateTransitions).toBe(7);
  });

  it('fails the execution with the error name and message of an uncaught handler error', async () => {
    engine = new EmbeddedEngine({
      clock: new VirtualClock({ startMs: 0 }),
      handlers: {
        Prepare: async () => ({ platform: 'Server' }),
        ShiftTraffic: async () => ({}),
        Install: async () => {
          throw namedError('DeploymentGroupLimitExceededException', 'too many');
        },
      },
    });
    engine.register('chain', fixture('choice-chain.asl.yaml'));
    const outcome = await engine.startExecution('chain', 'd-FAIL00001', { platform: 'Server' }).result;
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'DeploymentGroupLimitExceededException',
      cause: 'too many',
    });
  });

  it('makes StartExecution idempotent on a running execution, as Step Functions does', async () => {
    const tokens: string[] = [];
    engine = new EmbeddedEngine({
      clock: new VirtualClock({ startMs: 0 }),
      handlers: { RunHook: async (payload) => void tokens.push(field(payload, 'taskToken')) },
    });
    engine.register('hook', fixture('token-wait.asl.yaml'));
    const input = { deploymentId: 'd-1', timeoutSeconds: 3600 };
    const first = engine.startExecution('hook', 'd-IDEMPOTENT', input);
    // Same name, same input (key order aside) while running: the same execution.
    const again = engine.startExecution('hook', 'd-IDEMPOTENT', {
      timeoutSeconds: 3600,
      deploymentId: 'd-1',
    });
    expect(again).toBe(first);
    expect(() => engine?.startExecution('hook', 'd-IDEMPOTENT', { ...input, deploymentId: 'd-2' })).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
    await vitestWaitFor(() => tokens.length === 1);
    await engine.taskCallbacks.sendTaskSuccess(tokens[0] as string, { ok: true });
    expect((await first.result).status).toBe('SUCCEEDED');
    expect(tokens).toHaveLength(1);
    // Once closed, Step Functions refuses the name whatever the input.
    expect(() => engine?.startExecution('hook', 'd-IDEMPOTENT', input)).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
  });

  it('rejects execution names Step Functions would reject', () => {
    const e = chainEngine();
    for (const name of ['', 'has space', 'a:b', 'x'.repeat(81), 'brace{']) {
      expect(() => e.startExecution('chain', name, {})).toThrow(
        expect.objectContaining({ name: 'InvalidName' }),
      );
    }
    expect(() => e.startExecution('nope', 'd-1', {})).toThrow(
      expect.objectContaining({ name: 'StateMachineDoesNotExist' }),
    );
  });

  it('refuses to register a machine whose Task states lack handlers, naming every one', () => {
    engine = new EmbeddedEngine({
      clock: new VirtualClock({ startMs: 0 }),
      handlers: { Prepare: async () => ({}) },
    });
    let thrown: unknown;
    try {
      engine.register('chain', fixture('choice-chain.asl.yaml'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe('MissingStepHandler');
    expect((thrown as Error).message).toContain(
      'Task state "ShiftTraffic" needs a handler for step "ShiftTraffic"',
    );
    expect((thrown as Error).message).toContain('Task state "Install" needs a handler for step "Install"');
    expect(() => engine?.startExecution('chain', 'd-1', {})).toThrow(
      expect.objectContaining({ name: 'StateMachineDoesNotExist' }),
    );
  });

  it('refuses JSONata and Assign definitions at registration', () => {
    engine = new EmbeddedEngine({ clock: new VirtualClock(), handlers: {} });
    expect(() => engine?.register('jsonata', fixture('jsonata.asl.yaml'))).toThrow(/JSONPath states only/);
    expect(() => engine?.register('assign', fixture('assign.asl.yaml'))).toThrow(/uses Assign/);
  });

  it('refuses a definition asl-validator rejects, listing its errors', () => {
    engine = new EmbeddedEngine({ clock: new VirtualClock(), handlers: {} });
    const broken = prepareDefinition(
      { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Missing' } } },
      { source: 'broken.asl.yaml' },
    );
    expect(() => engine?.registerLoaded('broken', broken)).toThrow(
      /broken\.asl\.yaml: invalid state machine definition:\n - .*Missing/,
    );
  });
});

async function vitestWaitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}
