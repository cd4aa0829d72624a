import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { EngineError, ErrorNames } from './errors.js';
import { isJsonObject, toJsonValue } from './json.js';
import type { JsonObject, JsonValue } from './json.js';

/** Region and account of every fake ARN the embedded runtime invents. */
export const FAKE_REGION = 'us-east-1';
export const FAKE_ACCOUNT_ID = '000000000000';
const FUNCTION_PREFIX = 'stepdeploy-';

/** `${ShiftTrafficFunctionArn}` becomes the ARN of a function named `stepdeploy-ShiftTraffic`. */
export function fakeFunctionArn(stepName: string): string {
  return `arn:aws:lambda:${FAKE_REGION}:${FAKE_ACCOUNT_ID}:function:${FUNCTION_PREFIX}${stepName}`;
}

/**
 * How a Task state reaches its code:
 * - `lambda`: `Resource` is the function ARN; the function gets the effective input, its result is
 *   the task result.
 * - `lambda:invoke`: `arn:aws:states:::lambda:invoke[.waitForTaskToken]` with `Parameters.FunctionName`.
 * - `states:startExecution`: `arn:aws:states:::states:startExecution.sync[:2]`, a child execution of a
 *   state machine registered on the same engine; the state waits for its end (no handler).
 * - `other`: any other resource (an `aws-sdk:` integration...): bound to a handler named after the state.
 */
export type TaskIntegration = 'lambda' | 'lambda:invoke' | 'states:startExecution' | 'other';

export interface TaskStateInfo {
  stateName: string;
  /**
   * The handler key: `Name` of `${NameFunctionArn}` for Lambda tasks (the function name for other
   * Lambda ARNs), the state name for `other` resources, null when `FunctionName` is only known at
   * run time (`FunctionName.$`), which the embedded engine cannot bind, and null for child executions,
   * which run a state machine rather than a handler.
   */
  stepName: string | null;
  resource: string;
  integration: TaskIntegration;
  /** `.waitForTaskToken`: the state parks until SendTaskSuccess/SendTaskFailure or its timeout. */
  tokenWait: boolean;
  /** Child executions: `.sync:2` returns the child's output as JSON, `.sync` as a string. */
  syncVersion?: 1 | 2;
}

export interface LoadedStateMachine {
  /** Where the definition came from (a file path, or a label for an in-memory definition). */
  source: string;
  /** The definition after substitution, as plain JSON. */
  definition: JsonObject;
  /** Every Task state, nested Map and Parallel states included, in document order. */
  tasks: TaskStateInfo[];
}

/** Reads a `*.asl.yaml` (or JSON) state machine file. See {@link prepareDefinition}. */
export function loadStateMachine(
  file: string,
  substitutions: Record<string, string> = {},
): LoadedStateMachine {
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new EngineError(
      ErrorNames.invalidDefinition,
      `${file}: not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return prepareDefinition(raw, { source: file, substitutions });
}

/**
 * Applies `${X}` substitutions (`${NameFunctionArn}` -> a fake function ARN unless `substitutions`
 * names it; any other placeholder must be in `substitutions`), refuses what the interpreter would
 * silently ignore (JSONata, Assign) and lists the Task states.
 */
export function prepareDefinition(
  raw: unknown,
  options: { source: string; substitutions?: Record<string, string> },
): LoadedStateMachine {
  const { source } = options;
  const json = toJsonValue(raw);
  if (!isJsonObject(json) || !isJsonObject(json['States'])) {
    throw new EngineError(ErrorNames.invalidDefinition, `${source}: not a state machine (no States object)`);
  }
  const unresolved = new Set<string>();
  const definition = substitute(json, options.substitutions ?? {}, unresolved) as JsonObject;
  if (unresolved.size > 0) {
    throw new EngineError(
      ErrorNames.invalidDefinition,
      `${source}: no value for substitution(s) ${[...unresolved].map((n) => `\${${n}}`).join(', ')}`,
    );
  }
  refuseUnsupportedFeatures(definition, source);
  return { source, definition, tasks: listTaskStates(definition) };
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;
const FUNCTION_ARN_PLACEHOLDER = /^(.+)FunctionArn$/;

function substitute(
  value: JsonValue,
  substitutions: Record<string, string>,
  unresolved: Set<string>,
): JsonValue {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (whole, name: string) => {
      const given = substitutions[name];
      if (given !== undefined) return given;
      const step = FUNCTION_ARN_PLACEHOLDER.exec(name)?.[1];
      if (step !== undefined) return fakeFunctionArn(step);
      unresolved.add(name);
      return whole;
    });
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, substitutions, unresolved));
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = substitute(item, substitutions, unresolved);
    return out;
  }
  return value;
}

/** Visits every state, descending into Map `ItemProcessor`/`Iterator` and Parallel `Branches`. */
export function walkStates(
  definition: JsonObject,
  visit: (stateName: string, state: JsonObject, scope: JsonObject) => void,
): void {
  const states = definition['States'];
  if (!isJsonObject(states)) return;
  for (const [stateName, state] of Object.entries(states)) {
    if (!isJsonObject(state)) continue;
    visit(stateName, state, definition);
    const processor = state['ItemProcessor'] ?? state['Iterator'];
    if (state['Type'] === 'Map' && isJsonObject(processor)) walkStates(processor, visit);
    const branches = state['Branches'];
    if (state['Type'] === 'Parallel' && Array.isArray(branches)) {
      for (const branch of branches) if (isJsonObject(branch)) walkStates(branch, visit);
    }
  }
}

/** Every nested definition object (the root, Map processors, Parallel branches). */
function walkScopes(definition: JsonObject, visit: (scope: JsonObject) => void): void {
  const seen = new Set<JsonObject>();
  const visitOnce = (scope: JsonObject): void => {
    if (seen.has(scope)) return;
    seen.add(scope);
    visit(scope);
  };
  visitOnce(definition);
  walkStates(definition, (_name, _state, scope) => visitOnce(scope));
}

/**
 * aws-local-stepfunctions accepts JSONata and `Assign` but silently ignores them, so a definition
 * using them would run wrongly here and correctly on AWS. Refuse instead, naming every offender.
 */
function refuseUnsupportedFeatures(definition: JsonObject, source: string): void {
  const problems: string[] = [];
  walkScopes(definition, (scope) => {
    if (scope['QueryLanguage'] === 'JSONata') {
      problems.push(
        `${scope === definition ? 'the state machine' : 'a nested state machine'} sets QueryLanguage: JSONata`,
      );
    }
  });
  walkStates(definition, (stateName, state) => {
    if (state['QueryLanguage'] === 'JSONata')
      problems.push(`state "${stateName}" sets QueryLanguage: JSONata`);
    const holders: JsonValue[] = [state, ...asArray(state['Catch']), ...asArray(state['Choices'])];
    if (holders.some((holder) => isJsonObject(holder) && 'Assign' in holder)) {
      problems.push(`state "${stateName}" uses Assign (workflow variables)`);
    }
  });
  if (problems.length > 0) {
    throw new EngineError(
      ErrorNames.invalidDefinition,
      `${source}: the embedded engine runs JSONPath states only (aws-local-stepfunctions would silently ` +
        `ignore JSONata and Assign):\n - ${problems.join('\n - ')}`,
    );
  }
}

function asArray(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:[^:]*:[^:]*:lambda:invoke(\.waitForTaskToken)?$/;
const START_EXECUTION =
  /^arn:aws[a-z-]*:states:[^:]*:[^:]*:states:startExecution(\.sync(:2)?|\.waitForTaskToken)?$/;
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/;

function listTaskStates(definition: JsonObject): TaskStateInfo[] {
  const tasks: TaskStateInfo[] = [];
  walkStates(definition, (stateName, state) => {
    if (state['Type'] !== 'Task') return;
    const resource = typeof state['Resource'] === 'string' ? state['Resource'] : '';
    const tokenWait = resource.endsWith('.waitForTaskToken');
    const startExecution = START_EXECUTION.exec(resource);
    if (startExecution) {
      tasks.push({
        stateName,
        stepName: null,
        resource,
        integration: 'states:startExecution',
        tokenWait,
        ...(startExecution[2]
          ? { syncVersion: 2 as const }
          : startExecution[1] === '.sync'
            ? { syncVersion: 1 as const }
            : {}),
      });
    } else if (LAMBDA_INVOKE.test(resource)) {
      const parameters = state['Parameters'];
      const functionName = isJsonObject(parameters) ? parameters['FunctionName'] : undefined;
      tasks.push({
        stateName,
        stepName: typeof functionName === 'string' ? stepNameOfFunction(functionName) : null,
        resource,
        integration: 'lambda:invoke',
        tokenWait,
      });
    } else if (LAMBDA_FUNCTION_ARN.test(resource)) {
      tasks.push({
        stateName,
        stepName: stepNameOfFunction(resource),
        resource,
        integration: 'lambda',
        tokenWait,
      });
    } else {
      tasks.push({ stateName, stepName: stateName, resource, integration: 'other', tokenWait });
    }
  });
  return tasks;
}

/** `arn:...:function:stepdeploy-ShiftTraffic[:qualifier]` -> `ShiftTraffic`; other names as they are. */
export function stepNameOfFunction(functionRef: string): string {
  const arnName = LAMBDA_FUNCTION_ARN.exec(functionRef)?.[1];
  // A bare name may carry a qualifier too (`my-function:live`).
  const name = arnName ?? functionRef.split(':')[0] ?? functionRef;
  return name.startsWith(FUNCTION_PREFIX) ? name.slice(FUNCTION_PREFIX.length) : name;
}
