import { describe, expect, it } from 'vitest';
import { IAM_ACTIONS_BY_PORT } from '../../functions/adapters/aws/iam-actions.js';
import { defineStep, type StepDeps } from '../../functions/steps/deps.js';
import { lambdaFunctions } from '../../functions/handlers/wiring/functions.js';

/** A step shaped like the real ones: it names the ports it uses in its deps type. */
const step = (_deps: Pick<StepDeps, 'deployments' | 'events' | 'clock'>) => async () => {};

describe('step ports', () => {
  it('every Lambda function declares its AWS ports, each one a port the stack knows IAM actions for', () => {
    const functions = lambdaFunctions();
    expect(functions.length).toBeGreaterThan(10);
    for (const { spec } of functions) {
      expect(spec.ports.length, `${spec.name} lists at least one port`).toBeGreaterThan(0);
      expect(new Set(spec.ports).size, `${spec.name} lists each port once`).toBe(spec.ports.length);
      for (const port of spec.ports) expect(Object.keys(IAM_ACTIONS_BY_PORT), spec.name).toContain(port);
    }
  });

  it('defineStep accepts exactly the AWS ports a step uses (clock, random and settings are not AWS ports)', () => {
    expect(defineStep('Step', step)(['deployments', 'events']).ports).toEqual(['deployments', 'events']);
    expect(defineStep('Step', step)(['events', 'deployments']).ports).toEqual(['events', 'deployments']);
    // The rejections are compile-time errors, checked by `tsc` on this file.
    // @ts-expect-error -- 'events' is missing
    defineStep('Step', step)(['deployments']);
    // @ts-expect-error -- 'alarms' is a port the step does not use
    defineStep('Step', step)(['deployments', 'events', 'alarms']);
    // @ts-expect-error -- 'clock' is not an AWS port
    defineStep('Step', step)(['deployments', 'events', 'clock']);
  });
});
