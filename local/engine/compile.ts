import type { HistoryStateKind } from '../../functions/domain/history-events.js';
import { walkStates } from './definition.js';
import type { LoadedStateMachine, TaskStateInfo } from './definition.js';
import { EngineError, ErrorNames } from './errors.js';
import { cloneJson, isJsonObject } from './json.js';
import type { JsonObject, JsonPathSegments, JsonValue } from './json.js';
import type { Retrier } from './retry.js';

/**
 * Rewrites a loaded definition into the one the interpreter runs. The interpreter races every Task
 * against a real-time `setTimeout`, has no task tokens, and waits with real timers, so:
 * - token-wait Tasks lose `$$.Task.Token` (the engine puts its own token there) and their timeout
 *   (carried to the handler in an internal Parameters field and enforced on the engine's clock);
 * - Wait states become internal Tasks that sleep on the engine's clock;
 * - child executions (`states:startExecution.sync[:2]`) lose their timeout the same way, and the
 *   engine runs the child on itself and waits for its end on its clock;
 * - the execution's `TimeoutSeconds` is enforced by the engine on its clock.
 */

/** Internal Parameters field carrying a token wait's effective timeout, stripped before the handler. */
export const TIMEOUT_FIELD = '__stepdeployTimeoutSeconds';
/** Resource of the internal Task a Wait state becomes (a syntactically valid ARN, never invoked). */
export const INTERNAL_WAIT_RESOURCE = 'arn:aws:states:::stepdeploy:wait';
/**
 * The interpreter's real-time race must never fire for waits the engine times itself. Node clamps a
 * `setTimeout` above 2^31-1 ms to 1 ms, so "a year" would time out at once: use the largest safe value.
 */
export const MAX_REAL_TIMEOUT_SECONDS = Math.floor(2_147_483_647 / 1000);
/**
 * The interpreter's default Task timeout is 60 s; on AWS a Lambda task is bounded by the function's own
 * timeout, at most 900 s. Plain tasks without TimeoutSeconds get that ceiling instead of 60 s.
 */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 900;

export interface CompiledTask extends TaskStateInfo {
  /** Token waits: where the ASL put `$$.Task.Token`, relative to the effective input (Parameters). */
  tokenPaths: JsonPathSegments[];
}

export interface CompiledDefinition {
  source: string;
  /** The definition handed to the interpreter. */
  definition: JsonObject;
  tasks: CompiledTask[];
  /** Names of the Wait states rewritten into internal Tasks. */
  waitStates: string[];
  /** `Retry` of every state that has one, by state name (state names are unique machine-wide). */
  retriers: Record<string, Retrier[]>;
  /** The top-level `TimeoutSeconds`, enforced by the engine. */
  executionTimeoutSeconds: number | undefined;
  /** What each state writes into the execution's history (functions/domain/history-events.ts). */
  historyKinds: Record<string, HistoryStateKind>;
}

export function compileDefinition(loaded: LoadedStateMachine): CompiledDefinition {
  const definition = cloneJson(loaded.definition);
  const problems: string[] = [];
  const tokenPathsByState = new Map<string, JsonPathSegments[]>();
  const waitStates: string[] = [];
  const retriers: Record<string, Retrier[]> = {};
  const historyKinds: Record<string, HistoryStateKind> = {};

  const executionTimeout = definition['TimeoutSeconds'];
  delete definition['TimeoutSeconds'];

  walkStates(definition, (stateName, state) => {
    if (Array.isArray(state['Retry'])) retriers[stateName] = state['Retry'] as unknown as Retrier[];
    historyKinds[stateName] = historyKindOf(
      state,
      loaded.tasks.find((t) => t.stateName === stateName),
    );
    if (state['Type'] === 'Wait') {
      rewriteWait(state);
      waitStates.push(stateName);
      return;
    }
    if (state['Type'] !== 'Task') return;
    const task = loaded.tasks.find((t) => t.stateName === stateName);
    if ('HeartbeatSeconds' in state || 'HeartbeatSecondsPath' in state) {
      problems.push(
        `state "${stateName}": HeartbeatSeconds is not supported (TaskCallbacksPort has no heartbeat)`,
      );
    }
    const parameters = state['Parameters'];
    const invocationType = isJsonObject(parameters) ? parameters['InvocationType'] : undefined;
    if (
      task?.integration === 'lambda:invoke' &&
      invocationType !== undefined &&
      invocationType !== 'RequestResponse'
    ) {
      problems.push(
        `state "${stateName}": lambda:invoke InvocationType ${JSON.stringify(invocationType)} is not supported`,
      );
    }
    if (task?.integration === 'states:startExecution') {
      rewriteChildExecution(stateName, state, task, problems);
    } else if (task?.tokenWait) {
      const paths = rewriteTokenWait(stateName, state, task, problems);
      tokenPathsByState.set(stateName, paths);
    } else if (!('TimeoutSeconds' in state) && !('TimeoutSecondsPath' in state)) {
      state['TimeoutSeconds'] = DEFAULT_TASK_TIMEOUT_SECONDS;
    } else if (
      typeof state['TimeoutSeconds'] === 'number' &&
      state['TimeoutSeconds'] > MAX_REAL_TIMEOUT_SECONDS
    ) {
      state['TimeoutSeconds'] = MAX_REAL_TIMEOUT_SECONDS;
    }
  });

  if (problems.length > 0) {
    throw new EngineError(
      ErrorNames.invalidDefinition,
      `${loaded.source}: not supported by the embedded engine:\n - ${problems.join('\n - ')}`,
    );
  }
  return {
    source: loaded.source,
    definition,
    tasks: loaded.tasks.map((task) => ({ ...task, tokenPaths: tokenPathsByState.get(task.stateName) ?? [] })),
    waitStates,
    retriers,
    executionTimeoutSeconds: typeof executionTimeout === 'number' ? executionTimeout : undefined,
    historyKinds,
  };
}

function historyKindOf(state: JsonObject, task: TaskStateInfo | undefined): HistoryStateKind {
  switch (state['Type']) {
    case 'Task':
      if (task?.integration === 'states:startExecution') return 'syncExecutionTask';
      return task?.tokenWait ? 'tokenTask' : 'lambdaTask';
    case 'Choice':
      return 'choice';
    case 'Wait':
      return 'wait';
    case 'Succeed':
      return 'succeed';
    case 'Fail':
      return 'fail';
    case 'Map': {
      const processor = state['ItemProcessor'];
      const config = isJsonObject(processor) ? processor['ProcessorConfig'] : undefined;
      return isJsonObject(config) && config['Mode'] === 'DISTRIBUTED' ? 'distributedMap' : 'map';
    }
    default:
      // Pass, and Parallel (which writes as many as a Map without items; the engine's flows have none).
      return state['Type'] === 'Parallel' ? 'map' : 'pass';
  }
}

/**
 * A child execution: only the `.sync` patterns (the parent waits for the child's end) are run here.
 * Its timeout moves into the internal Parameters field, as a token wait's does, and the engine
 * enforces it on its clock while the child runs.
 */
function rewriteChildExecution(
  stateName: string,
  state: JsonObject,
  task: TaskStateInfo,
  problems: string[],
): void {
  if (task.syncVersion === undefined) {
    problems.push(
      `state "${stateName}": ${task.resource} is not supported; the embedded engine runs child executions with .sync or .sync:2 only`,
    );
    return;
  }
  const parameters = state['Parameters'];
  if (!isJsonObject(parameters) || !('StateMachineArn' in parameters || 'StateMachineArn.$' in parameters)) {
    problems.push(`state "${stateName}": a child execution needs Parameters with StateMachineArn`);
    return;
  }
  if (typeof state['TimeoutSeconds'] === 'number') parameters[TIMEOUT_FIELD] = state['TimeoutSeconds'];
  if (typeof state['TimeoutSecondsPath'] === 'string')
    parameters[`${TIMEOUT_FIELD}.$`] = state['TimeoutSecondsPath'];
  delete state['TimeoutSecondsPath'];
  state['TimeoutSeconds'] = MAX_REAL_TIMEOUT_SECONDS;
}

function rewriteTokenWait(
  stateName: string,
  state: JsonObject,
  task: TaskStateInfo,
  problems: string[],
): JsonPathSegments[] {
  const parameters = state['Parameters'];
  if (!isJsonObject(parameters)) {
    problems.push(`state "${stateName}": a .waitForTaskToken task needs Parameters carrying $$.Task.Token`);
    return [];
  }
  const paths = removeTaskTokenReferences(parameters, []);
  if (paths.length === 0) {
    problems.push(
      `state "${stateName}": Parameters never pass "$$.Task.Token", so nothing could complete the wait`,
    );
  }
  if (task.integration === 'lambda:invoke' && paths.some((path) => path[0] !== 'Payload')) {
    problems.push(`state "${stateName}": $$.Task.Token must be passed inside Parameters.Payload`);
  }
  if (typeof state['TimeoutSeconds'] === 'number') parameters[TIMEOUT_FIELD] = state['TimeoutSeconds'];
  if (typeof state['TimeoutSecondsPath'] === 'string')
    parameters[`${TIMEOUT_FIELD}.$`] = state['TimeoutSecondsPath'];
  delete state['TimeoutSecondsPath'];
  state['TimeoutSeconds'] = MAX_REAL_TIMEOUT_SECONDS;
  for (const field of ['Retry', 'Catch'] as const) {
    if (taskFailedMatchesTimeoutFirst(state[field])) {
      problems.push(
        `state "${stateName}": a ${field} entry lists States.TaskFailed before any States.Timeout/States.ALL ` +
          `entry; on AWS States.TaskFailed does not match a token timeout, here it would (the engine's ` +
          `timeout error cannot be the interpreter's own). List States.Timeout first.`,
      );
    }
  }
  return paths;
}

/** Deletes every `"X.$": "$$.Task.Token"` field and returns the output paths (`[..., "X"]`). */
function removeTaskTokenReferences(node: JsonValue, at: (string | number)[]): JsonPathSegments[] {
  const found: JsonPathSegments[] = [];
  if (Array.isArray(node)) {
    node.forEach((item, index) => found.push(...removeTaskTokenReferences(item, [...at, index])));
  } else if (isJsonObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key.endsWith('.$') && value === '$$.Task.Token') {
        delete node[key];
        found.push([...at, key.slice(0, -2)]);
      } else {
        found.push(...removeTaskTokenReferences(value, [...at, key]));
      }
    }
  }
  return found;
}

function taskFailedMatchesTimeoutFirst(entries: JsonValue | undefined): boolean {
  if (!Array.isArray(entries)) return false;
  for (const entry of entries) {
    const names = isJsonObject(entry) && Array.isArray(entry['ErrorEquals']) ? entry['ErrorEquals'] : [];
    if (names.includes('States.Timeout') || names.includes('States.ALL')) return false;
    if (names.includes('States.TaskFailed')) return true;
  }
  return false;
}

/**
 * A Wait state becomes a Task whose Parameters carry the wait spec and the (InputPath-filtered)
 * input; the engine's wait handler sleeps on the engine clock and returns that input, so the output
 * is the same as a Wait's. Wait states have no Retry/Catch/ResultPath to preserve.
 */
function rewriteWait(state: JsonObject): void {
  const parameters: JsonObject = { 'Input.$': '$' };
  if ('Seconds' in state) parameters['Seconds'] = state['Seconds'] ?? null;
  if ('SecondsPath' in state) parameters['Seconds.$'] = state['SecondsPath'] ?? null;
  if ('Timestamp' in state) parameters['Timestamp'] = state['Timestamp'] ?? null;
  if ('TimestampPath' in state) parameters['Timestamp.$'] = state['TimestampPath'] ?? null;
  for (const field of ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath']) delete state[field];
  state['Type'] = 'Task';
  state['Resource'] = INTERNAL_WAIT_RESOURCE;
  state['Parameters'] = parameters;
  state['TimeoutSeconds'] = MAX_REAL_TIMEOUT_SECONDS;
}
