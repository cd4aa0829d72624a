/**
 * The server validates AppSpecs, and each flow's state machine before its first deployment, on a
 * worker thread (issue 13, point 2): the verdicts are the domain's and asl-validator's, and while a
 * huge document is validated the server's event loop keeps turning, so the API answers meanwhile. How much that changes the API's latency is measured by
 * `npm run bench:api-latency`; here only the order of events is asserted, never a duration.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateAppSpec } from '../../../functions/domain/appspec/index.js';
import { IN_PROCESS_APPSPEC_VALIDATOR, type AppSpecValidator } from '../../../functions/steps/deps.js';
import { callCodeDeployApi } from '../../../local/server/api-client.js';
import { startLocalServer } from '../../../local/server/server.js';
import { definitionErrors } from '../../../local/engine/definition-validation.js';
import {
  EmbeddedEngine,
  loadStateMachine,
  prepareDefinition,
  validateDefinitionWith,
  VirtualClock,
  type DefinitionValidator,
} from '../../../local/engine/index.js';
import { ValidationThread } from '../../../local/threads/validation-thread.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const thread = new ValidationThread();
afterAll(() => thread.close());

/** A Server AppSpec with `keys` unknown top-level keys: validation time grows with it. */
const huge = (keys: number) =>
  ['version: 0.0', 'os: linux', ...Array.from({ length: keys }, (_, i) => `unknown_${i}: ${i}`)].join('\n');

/** Whether the event loop turned (a setImmediate ran) before the validation's answer arrived. */
async function loopTurnedDuring(validator: AppSpecValidator, text: string): Promise<string[]> {
  const order: string[] = [];
  setImmediate(() => order.push('event loop turned'));
  await validator.validate(text);
  order.push('validated');
  await new Promise((resolve) => setImmediate(resolve));
  return order;
}

describe('AppSpec validation on a worker thread', () => {
  it('gives the domain validator’s verdicts, valid, invalid and pathologically nested alike', async () => {
    const documents = [
      'version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/app\n',
      'version: 0.0\nos: windows\nhooks:\n  Nope: []\n',
      `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      huge(2000),
    ];
    for (const text of documents) {
      expect(await thread.validate(text)).toEqual(validateAppSpec(text));
    }
    expect(await thread.validate('Resources: []', { platform: 'lambda' })).toEqual(
      validateAppSpec('Resources: []', { platform: 'lambda' }),
    );
  });

  it('leaves the event loop free while it works; on the caller’s thread it would not', async () => {
    const text = huge(20_000);
    expect(await loopTurnedDuring(thread, text)).toEqual(['event loop turned', 'validated']);
    expect(await loopTurnedDuring(IN_PROCESS_APPSPEC_VALIDATOR, text)).toEqual([
      'validated',
      'event loop turned',
    ]);
  });

  it('is what the server’s Prepare uses: the API answers while a huge AppSpec is validated', async () => {
    const work = mkdtempSync(join(tmpdir(), 'sd-validation-thread-'));
    const server = await startLocalServer({ stateDir: join(work, 'state') });
    try {
      const validator = server.runtime.deps.appSpecs;
      expect(validator).toBeInstanceOf(ValidationThread);
      const order: string[] = [];
      const validated = validator!.validate(huge(20_000)).then(() => order.push('validated'));
      await callCodeDeployApi(server.endpoint, 'ListApplications', {}, server.key);
      order.push('API answered');
      await validated;
      expect(order).toEqual(['API answered', 'validated']);
    } finally {
      await server.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('state machine definitions on the worker thread', () => {
  const flowFile = join(import.meta.dirname, '..', '..', '..', 'statemachines', 'lambda-deployment.asl.yaml');
  /** asl-validator refuses the unknown field; the interpreter, not validating, would run it. */
  const refusedByAslValidator = (field = 'Bogus') =>
    prepareDefinition(
      { StartAt: 'A', States: { A: { Type: 'Pass', End: true, [field]: 1 } } },
      { source: 'bogus.asl.json' },
    );

  it('gives asl-validator’s verdicts: a flow’s definition valid, a state with an unknown field refused', async () => {
    const flow = loadStateMachine(flowFile).definition;
    const bogus = refusedByAslValidator().definition;
    const verdicts = await thread.validateDefinitions([flow, bogus]);
    expect(verdicts).toEqual([definitionErrors(flow), definitionErrors(bogus)]);
    expect(verdicts[0]).toBe('');
    expect(verdicts[1]).toContain('/States/A is invalid');
  });

  it('refuses an invalid definition with the error registering it gives', async () => {
    const registering = (() => {
      try {
        new EmbeddedEngine({ clock: new VirtualClock(), handlers: {} }).registerLoaded(
          'b',
          refusedByAslValidator(),
        );
        return undefined;
      } catch (error) {
        return error as Error;
      }
    })();
    expect(registering?.message).toContain('bogus.asl.json: invalid state machine definition');
    await expect(validateDefinitionWith(refusedByAslValidator(), thread.validateDefinitions)).rejects.toThrow(
      registering!.message,
    );
  });

  it('leaves the event loop free, and what it passed is built without validating on this thread', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('event loop turned'));
    // A variant of the flow's definition (a substitution), so no earlier test has built it already.
    const loaded = loadStateMachine(flowFile, {
      PrepareLambdaFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:variant',
    });
    await validateDefinitionWith(loaded, thread.validateDefinitions);
    order.push('validated');
    expect(order).toEqual(['event loop turned', 'validated']);

    // A validator that passes everything: registering then trusts it, as it trusts the thread (its
    // own field, so that the other tests' definition is still refused).
    const passEverything: DefinitionValidator = (definitions) => Promise.resolve(definitions.map(() => ''));
    const bogus = refusedByAslValidator('Trusted');
    expect(definitionErrors(bogus.definition)).not.toBe('');
    await validateDefinitionWith(bogus, passEverything);
    const engine = new EmbeddedEngine({ clock: new VirtualClock(), handlers: {} });
    expect(engine.registerLoaded('bogus', bogus).name).toBe('bogus');
  });
});
