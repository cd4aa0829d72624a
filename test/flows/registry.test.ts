/**
 * The flow registry against the state machines: each flow's ASL runs exactly the registry's steps for
 * it (a Task the registry lacks, or a declared step no Task runs, fails here), every ASL file belongs
 * to a flow, and flows are looked up by compute platform and deployment type, refusing by name what
 * has no flow.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { COMPUTE_PLATFORMS } from '../../functions/domain/deployment-configs.js';
import { DEPLOYMENT_TYPES, flowId, flowKeyOf, sameFlow } from '../../functions/domain/flows.js';
import {
  allChildStateMachines,
  FLOWS,
  flowFor,
  flowSteps,
  type FlowDeclaration,
} from '../../functions/flows/registry.js';
import { walkStates } from '../../local/engine/index.js';
import type { JsonObject } from '../../local/engine/json.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FUNCTION_ARN = /\$\{([A-Za-z0-9]+)FunctionArn\}/g;

function definitionOf(flow: { stateMachine: string }): JsonObject {
  return parseYaml(readFileSync(join(root, flow.stateMachine), 'utf8')) as JsonObject;
}

/** The step each Task of a definition runs (`${NameFunctionArn}` in its Resource or FunctionName). */
function taskSteps(definition: JsonObject): Set<string> {
  const steps = new Set<string>();
  walkStates(definition, (_name, state) => {
    if (state['Type'] !== 'Task') return;
    for (const match of JSON.stringify(state).matchAll(FUNCTION_ARN)) steps.add(match[1]!);
  });
  return steps;
}

/** What differs between a flow's declaration and its state machine, in both directions. */
function mismatches(flow: FlowDeclaration, definition: JsonObject) {
  const declared = new Set(flowSteps(flow).map((step) => step.name));
  const run = taskSteps(definition);
  return {
    tasksTheRegistryLacks: [...run].filter((name) => !declared.has(name)).sort(),
    stepsNoTaskRuns: [...declared].filter((name) => !run.has(name)).sort(),
  };
}

describe('the flow registry', () => {
  it.each(FLOWS.map((flow) => [flow.name, flow] as const))(
    '%s declares exactly the steps its state machine runs',
    (_name, flow) => {
      expect(mismatches(flow, definitionOf(flow))).toEqual({
        tasksTheRegistryLacks: [],
        stepsNoTaskRuns: [],
      });
    },
  );

  it.each(allChildStateMachines().map((child) => [child.name, child] as const))(
    'the child machine %s declares exactly the steps it runs, and its parent names it',
    (name, child) => {
      const declared = new Set(child.steps.map((step) => step.name));
      const run = taskSteps(definitionOf(child));
      expect([...run].filter((step) => !declared.has(step))).toEqual([]);
      expect([...declared].filter((step) => !run.has(step))).toEqual([]);
      const parents = FLOWS.filter((flow) =>
        JSON.stringify(definitionOf(flow)).includes(`\${${name}StateMachineArn}`),
      );
      expect(parents.map((flow) => flow.name)).toEqual(
        FLOWS.filter((flow) => (flow as FlowDeclaration).children?.includes(child)).map((flow) => flow.name),
      );
      expect(parents.length).toBeGreaterThan(0);
    },
  );

  it('catches a Task the registry lacks and a declared step no Task runs', () => {
    const [lambda] = FLOWS;
    const definition = definitionOf(lambda);
    const states = definition['States'] as Record<string, JsonObject>;
    // A new Task, and Bake's state gone: the comparison must name both.
    states['Ghost'] = { Type: 'Task', Resource: '${GhostFunctionArn}', End: true };
    delete states['Bake'];
    expect(mismatches(lambda, definition)).toEqual({
      tasksTheRegistryLacks: ['Ghost'],
      stepsNoTaskRuns: ['Bake'],
    });
  });

  it("starts every state machine with its flow's own Prepare, and has a flow for every ASL file", () => {
    for (const flow of FLOWS) {
      const definition = definitionOf(flow);
      const first = (definition['States'] as Record<string, JsonObject>)[definition['StartAt'] as string];
      expect(first?.['Resource'], flow.name).toBe(`\${${flow.prepare.name}FunctionArn}`);
      // The construct id and the file are one name.
      expect(flow.stateMachine).toBe(
        `statemachines/${flow.name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.asl.yaml`,
      );
    }
    const files = readdirSync(join(root, 'statemachines')).filter((name) => name.endsWith('.asl.yaml'));
    expect(files.map((name) => `statemachines/${name}`).sort()).toEqual(
      [...FLOWS.map((f) => f.stateMachine), ...allChildStateMachines().map((c) => c.stateMachine)].sort(),
    );
  });

  it('finds a flow by compute platform and deployment type, with CodeDeploy defaults for the type', () => {
    expect(flowFor(flowKeyOf({ computePlatform: 'Lambda' })).name).toBe('LambdaDeployment');
    expect(flowFor(flowKeyOf({ computePlatform: 'Server' })).name).toBe('ServerInPlace');
    expect(
      flowFor(flowKeyOf({ computePlatform: 'Server', deploymentStyle: { deploymentType: 'IN_PLACE' } })).name,
    ).toBe('ServerInPlace');
    expect(new Set(FLOWS.map((flow) => JSON.stringify(flow.key))).size).toBe(FLOWS.length);
  });

  it("refuses, by name, a platform or type that is not CodeDeploy's and one that has no flow", () => {
    expect(() => flowKeyOf({ computePlatform: 'Kubernetes' })).toThrow(
      expect.objectContaining({
        name: 'InvalidComputePlatformException',
        message: 'The compute platform "Kubernetes" is not one of Server, Lambda, ECS.',
      }),
    );
    expect(() =>
      flowKeyOf({ computePlatform: 'Server', deploymentStyle: { deploymentType: 'CANARY' } }),
    ).toThrow(expect.objectContaining({ name: 'InvalidDeploymentStyleException' }));
    expect(() =>
      flowKeyOf({ computePlatform: 'Lambda', deploymentStyle: { deploymentType: 'IN_PLACE' } }),
    ).toThrow(
      expect.objectContaining({
        name: 'InvalidDeploymentStyleException',
        message:
          'Lambda deployments are blue/green: set deploymentStyle.deploymentType to BLUE_GREEN, not IN_PLACE.',
      }),
    );
    // Valid for CodeDeploy, but without a state machine here (yet): never a fall-through to another flow.
    const unbuilt = COMPUTE_PLATFORMS.flatMap((computePlatform) =>
      DEPLOYMENT_TYPES.map((deploymentType) => ({ computePlatform, deploymentType })),
    ).filter((key) => !FLOWS.some((flow) => sameFlow(flow.key, key)));
    expect(unbuilt.length).toBeGreaterThan(0);
    for (const key of unbuilt) {
      expect(() => flowFor(key), flowId(key)).toThrow(
        expect.objectContaining({
          name: 'UnsupportedDeploymentFlowError',
          message: expect.stringContaining(
            `stepdeploy has no ${flowId(key)} flow; it deploys Lambda:BLUE_GREEN`,
          ),
        }),
      );
    }
  });
});
