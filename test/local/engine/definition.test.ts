import { describe, expect, it } from 'vitest';
import {
  compileDefinition,
  fakeFunctionArn,
  loadStateMachine,
  prepareDefinition,
  stepNameOfFunction,
} from '../../../local/engine/index.js';
import {
  INTERNAL_WAIT_RESOURCE,
  MAX_REAL_TIMEOUT_SECONDS,
  TIMEOUT_FIELD,
} from '../../../local/engine/compile.js';
import { fixture } from './support.js';

describe('loadStateMachine', () => {
  it('turns ${NameFunctionArn} into a fake ARN and lists Task states inside Parallel and Map', () => {
    const loaded = loadStateMachine(fixture('nested.asl.yaml'), { TableName: 'deployments' });
    expect(fakeFunctionArn('Left')).toBe('arn:aws:lambda:us-east-1:000000000000:function:stepdeploy-Left');
    expect(loaded.tasks).toEqual([
      {
        stateName: 'Left',
        stepName: 'Left',
        resource: fakeFunctionArn('Left'),
        integration: 'lambda',
        tokenWait: false,
      },
      {
        stateName: 'PerItem',
        stepName: 'PerItem',
        resource: 'arn:aws:states:::lambda:invoke',
        integration: 'lambda:invoke',
        tokenWait: false,
      },
      {
        stateName: 'Table',
        stepName: 'Table',
        resource: 'arn:aws:states:::dynamodb:putItem',
        integration: 'other',
        tokenWait: false,
      },
    ]);
    expect(JSON.stringify(loaded.definition)).toContain('"TableName":"deployments"');
  });

  it('marks token waits and binds them through Parameters.FunctionName', () => {
    const loaded = loadStateMachine(fixture('token-wait.asl.yaml'));
    expect(loaded.tasks).toEqual([
      {
        stateName: 'RunHook',
        stepName: 'RunHook',
        resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        integration: 'lambda:invoke',
        tokenWait: true,
      },
    ]);
  });

  it('refuses a placeholder with no value, naming it', () => {
    expect(() => loadStateMachine(fixture('nested.asl.yaml'))).toThrow(
      /no value for substitution\(s\) \$\{TableName\}/,
    );
  });

  it('refuses JSONata and Assign, which the interpreter would silently ignore', () => {
    expect(() => loadStateMachine(fixture('jsonata.asl.yaml'))).toThrow(/QueryLanguage: JSONata/);
    expect(() => loadStateMachine(fixture('assign.asl.yaml'))).toThrow(/state "Remember" uses Assign/);
    try {
      loadStateMachine(fixture('assign.asl.yaml'));
    } catch (error) {
      expect((error as Error).name).toBe('InvalidDefinition');
    }
  });

  it('reads step names from function ARNs, qualified or not', () => {
    expect(stepNameOfFunction(fakeFunctionArn('ShiftTraffic'))).toBe('ShiftTraffic');
    expect(stepNameOfFunction(`${fakeFunctionArn('ShiftTraffic')}:$LATEST`)).toBe('ShiftTraffic');
    expect(stepNameOfFunction('arn:aws:lambda:eu-west-1:123456789012:function:my-hook:live')).toBe('my-hook');
    expect(stepNameOfFunction('my-hook')).toBe('my-hook');
  });
});

describe('compileDefinition', () => {
  it('moves the token and the timeout of a token wait out of the interpreter', () => {
    const compiled = compileDefinition(loadStateMachine(fixture('token-wait.asl.yaml')));
    const state = (compiled.definition['States'] as Record<string, Record<string, unknown>>)['RunHook'];
    expect(state?.['TimeoutSeconds']).toBe(MAX_REAL_TIMEOUT_SECONDS);
    expect(state?.['TimeoutSecondsPath']).toBeUndefined();
    expect(state?.['Parameters']).toEqual({
      FunctionName: fakeFunctionArn('RunHook'),
      Payload: { 'deploymentId.$': '$.deploymentId' },
      [`${TIMEOUT_FIELD}.$`]: '$.timeoutSeconds',
    });
    expect(compiled.tasks[0]?.tokenPaths).toEqual([['Payload', 'taskToken']]);
  });

  it('rewrites Wait states into internal Tasks and keeps the execution timeout aside', () => {
    const waits = compileDefinition(loadStateMachine(fixture('wait.asl.yaml')));
    expect(waits.waitStates).toEqual(['Pause', 'PauseFromInput']);
    const pause = (waits.definition['States'] as Record<string, Record<string, unknown>>)['Pause'];
    expect(pause).toMatchObject({
      Type: 'Task',
      Resource: INTERNAL_WAIT_RESOURCE,
      Parameters: { 'Input.$': '$', Seconds: 600 },
      Next: 'PauseFromInput',
    });
    const timed = compileDefinition(loadStateMachine(fixture('execution-timeout.asl.yaml')));
    expect(timed.executionTimeoutSeconds).toBe(3600);
    expect(timed.definition['TimeoutSeconds']).toBeUndefined();
  });

  it('refuses what it cannot emulate faithfully: heartbeats, token waits without a token, TaskFailed before Timeout', () => {
    const tokenWait = (extra: Record<string, unknown>, payload: Record<string, unknown>) =>
      prepareDefinition(
        {
          StartAt: 'W',
          States: {
            W: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: '${WFunctionArn}', Payload: payload },
              End: true,
              ...extra,
            },
          },
        },
        { source: 'inline' },
      );
    const withToken = { 'token.$': '$$.Task.Token' };
    expect(() => compileDefinition(tokenWait({ HeartbeatSeconds: 60 }, withToken))).toThrow(
      /HeartbeatSeconds/,
    );
    expect(() => compileDefinition(tokenWait({}, { id: 1 }))).toThrow(/never pass "\$\$\.Task\.Token"/);
    expect(() =>
      compileDefinition(tokenWait({ Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'W' }] }, withToken)),
    ).toThrow(/States\.TaskFailed before any States\.Timeout/);
    expect(() =>
      compileDefinition(
        tokenWait(
          {
            Catch: [
              { ErrorEquals: ['States.Timeout'], Next: 'W' },
              { ErrorEquals: ['States.TaskFailed'], Next: 'W' },
            ],
          },
          withToken,
        ),
      ),
    ).not.toThrow();
  });
});
