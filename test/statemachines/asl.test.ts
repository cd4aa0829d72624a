/**
 * Static checks of every state machine in statemachines/: valid ASL, every Task bound to a step that
 * exists both as a Lambda handler and in the embedded runtime, and every error name the ASL matches
 * thrown by some domain error class (a typo in `ErrorEquals` would silently never match).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { walkStates } from '../../local/engine/index.js';
import type { JsonObject, JsonValue } from '../../local/engine/json.js';
import { stepHandlers } from '../../local/runtime/steps.js';
import { allChildStateMachines } from '../../functions/flows/registry.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const machinesDir = join(root, 'statemachines');
const machineFiles = readdirSync(machinesDir)
  .filter((name) => name.endsWith('.asl.yaml'))
  .sort();

interface AslValidationResult {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}
// CommonJS without type declarations, as local/engine/engine.ts loads it.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
) => AslValidationResult;

function load(file: string): JsonObject {
  return parseYaml(readFileSync(join(machinesDir, file), 'utf8')) as JsonObject;
}

const FUNCTION_ARN = /^\$\{([A-Za-z0-9]+)FunctionArn\}$/;

/** The errors AWS documents as Lambda's transient ones, which every Lambda Task must retry. */
const TRANSIENT_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
];

const CHILD_EXECUTION = /^arn:aws:states:::states:startExecution\.sync:2$/;
const STATE_MACHINE_ARN = /^\$\{([A-Za-z0-9]+)StateMachineArn\}$/;

interface TaskBinding {
  stateName: string;
  /** `Name` of `${NameFunctionArn}`; for any other resource, the state name (the engine's rule). */
  stepName: string;
  /** Whether the Task names a `${NameFunctionArn}`: then it must be a Lambda handler too. */
  lambda: boolean;
  /** A child execution's state machine (`${NameStateMachineArn}`): it runs a machine, not a step. */
  childMachine?: string;
  /** The errors its Retry entries retry. */
  retried: string[];
}

function taskBindings(definition: JsonObject): TaskBinding[] {
  const tasks: TaskBinding[] = [];
  walkStates(definition, (stateName, state) => {
    if (state['Type'] !== 'Task') return;
    const parameters = state['Parameters'];
    const functionName =
      parameters && typeof parameters === 'object' && !Array.isArray(parameters)
        ? parameters['FunctionName']
        : undefined;
    const candidates = [state['Resource'], functionName].filter((v): v is string => typeof v === 'string');
    const step = candidates.map((v) => FUNCTION_ARN.exec(v)?.[1]).find((v) => v !== undefined);
    const machineArn =
      parameters && typeof parameters === 'object' && !Array.isArray(parameters)
        ? parameters['StateMachineArn']
        : undefined;
    const childMachine =
      typeof state['Resource'] === 'string' &&
      CHILD_EXECUTION.test(state['Resource']) &&
      typeof machineArn === 'string'
        ? STATE_MACHINE_ARN.exec(machineArn)?.[1]
        : undefined;
    const retried = (Array.isArray(state['Retry']) ? (state['Retry'] as JsonValue[]) : []).flatMap((rule) => {
      const equals = rule && typeof rule === 'object' && !Array.isArray(rule) ? rule['ErrorEquals'] : [];
      return Array.isArray(equals) ? equals.filter((name): name is string => typeof name === 'string') : [];
    });
    tasks.push({
      stateName,
      stepName: step ?? stateName,
      lambda: step !== undefined,
      ...(childMachine ? { childMachine } : {}),
      retried,
    });
  });
  return tasks;
}

function errorNames(definition: JsonObject): string[] {
  const names = new Set<string>();
  walkStates(definition, (_stateName, state) => {
    for (const key of ['Retry', 'Catch']) {
      const rules = state[key];
      if (!Array.isArray(rules)) continue;
      for (const rule of rules as JsonValue[]) {
        const equals = rule && typeof rule === 'object' && !Array.isArray(rule) ? rule['ErrorEquals'] : [];
        if (Array.isArray(equals)) for (const name of equals) if (typeof name === 'string') names.add(name);
      }
    }
  });
  return [...names].sort();
}

/** `ShiftTraffic` -> `shift-traffic`, as functions/handlers names its files. */
function kebab(stepName: string): string {
  return stepName.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** Service errors Step Functions raises itself, not thrown by stepdeploy's code. */
function isServiceError(name: string): boolean {
  return name.startsWith('States.') || name.startsWith('Lambda.');
}

/** The `name` of every Error class exported by functions/domain/*.ts, read from instances. */
async function domainErrorNames(): Promise<Set<string>> {
  const dir = join(root, 'functions', 'domain');
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
      // `name` is an instance field; constructors take a message and at most a few strings more.
      // Should one refuse them, its class name stands in (the two are the same by convention).
      try {
        names.add((Reflect.construct(value, ['probe', 'probe', 'probe']) as Error).name);
      } catch {
        names.add(value.name);
      }
    }
  }
  return names;
}

const bindings = new Set(
  Object.keys(
    stepHandlers(() => {
      throw new Error('not called: only the binding names are read');
    }),
  ),
);

describe('state machines', () => {
  it('finds the state machine files', () => {
    expect(machineFiles).toContain('lambda-deployment.asl.yaml');
    expect(machineFiles).toContain('server-in-place.asl.yaml');
    expect(machineFiles).toContain('server-batches.asl.yaml');
  });

  describe.each(machineFiles)('%s', (file) => {
    it('passes asl-validator', () => {
      // asl-validator mutates its input (it adds QueryLanguage to every state): validate a copy.
      const result = aslValidator(structuredClone(load(file)));
      expect(result.isValid, result.isValid ? '' : result.errorsText('\n')).toBe(true);
    });

    it('binds every Task to a handler file and to a step of the embedded runtime', () => {
      const tasks = taskBindings(load(file));
      expect(tasks.length).toBeGreaterThan(0);
      const missingHandlers = tasks
        .filter((task) => task.lambda)
        .map((task) => `functions/handlers/${kebab(task.stepName)}.ts`)
        .filter((path) => !existsSync(join(root, path)));
      const unbound = tasks
        .filter((task) => task.childMachine === undefined && !bindings.has(task.stepName))
        .map((task) => `${task.stateName} -> ${task.stepName}`);
      expect.soft([...new Set(missingHandlers)], 'Lambda handler files missing').toEqual([]);
      expect
        .soft(
          [...new Set(unbound)],
          'steps no flow of functions/flows/registry.ts declares (local/runtime/steps.ts binds those)',
        )
        .toEqual([]);
    });

    it("retries Lambda's five transient errors on every Lambda Task (a Lambda 500 must not roll a deployment back)", () => {
      const tasks = taskBindings(load(file)).filter((task) => task.lambda);
      expect(tasks.length).toBeGreaterThan(0);
      const missing = tasks.flatMap((task) =>
        task.retried.includes('States.ALL')
          ? []
          : TRANSIENT_LAMBDA_ERRORS.filter((name) => !task.retried.includes(name)).map(
              (name) => `${task.stateName}: ${name}`,
            ),
      );
      expect(missing).toEqual([]);
    });

    it('starts child executions only of machines a flow declares', () => {
      const children = new Set(allChildStateMachines().map((child) => child.name));
      const named = taskBindings(load(file)).flatMap((task) =>
        task.childMachine ? [task.childMachine] : [],
      );
      expect(named.filter((name) => !children.has(name))).toEqual([]);
    });

    it('matches only error names thrown by a domain error class', async () => {
      const known = await domainErrorNames();
      const names = errorNames(load(file));
      expect(names).toContain('States.ALL');
      expect(names.filter((name) => !isServiceError(name) && !known.has(name))).toEqual([]);
    });
  });

  it('knows the domain error classes by their name', async () => {
    const known = await domainErrorNames();
    // One per module, so a broken dynamic import or a name lost to minification shows here.
    expect(known).toContain('ThrottlingError');
    expect(known).toContain('DeploymentLimitExceededException');
    expect(known).toContain('InvalidTrafficRoutingConfigurationException');
    expect(known).not.toContain('Error');
  });
});
