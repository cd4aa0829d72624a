/**
 * The local API refuses oversized and malformed input as CodeDeploy does, and no answer carries an
 * internal detail (issue 13, point 9): every operation of the model, each of its string members 5,000
 * characters long and each list member given an object, against a server whose records hold a real
 * deployment (so that ids which pass their checks reach the records); a 10 MB body from the real
 * @aws-sdk/client-codedeploy and from raw HTTP. Every answer must be a 4xx with a modelled (or JSON
 * protocol) exception, or a success; never a 500, never a reset connection, never a key, a table or
 * a stack in a message.
 */
import { join } from 'node:path';
import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentInstanceCommand,
  GetDeploymentTargetCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CODEDEPLOY_MODEL } from '../../../functions/api/codedeploy-model.js';
import { SUPPORTED_OPERATIONS } from '../../../functions/api/codedeploy-api.js';
import type { ShapeSpec } from '../../../functions/api/service-model.js';
import { stopHostProcesses } from '../../../local/hosts/processes.js';
import { startLocalServer, type LocalServer } from '../../../local/server/server.js';
import { runCliAsync } from '../../cli/run-cli.js';
import { tempDir, writeTree } from '../../domain/instance-scripts/harness.js';
import { apiHeaders, send, signRequest } from './signing.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const stateDir = join(tempDir('sd-api-hygiene-'), 'state');
let server: LocalServer;
let deploymentId: string;
let codedeploy: CodeDeployClient;
const internalErrors: unknown[] = [];

beforeAll(async () => {
  // A real deployment in the records: ids that pass their format checks reach the store.
  const revision = writeTree(join(tempDir('sd-api-hygiene-rev-'), 'shop'), {
    'appspec.yml': 'version: 0.0\nos: linux\n',
  });
  const deployed = await runCliAsync(['deploy', revision, '--state-dir', stateDir, '--json']);
  deploymentId = (JSON.parse(deployed.stdout) as { deploymentId: string }).deploymentId;
  server = await startLocalServer({
    stateDir,
    onInternalError: (error) => void internalErrors.push(error),
  });
  codedeploy = new CodeDeployClient({
    endpoint: server.endpoint,
    region: server.key.region,
    credentials: server.key,
    maxAttempts: 1,
  });
}, 120_000);

// Each test sees the failures it caused.
beforeEach(() => void internalErrors.splice(0));

afterAll(async () => {
  codedeploy?.destroy();
  await server?.close();
  await stopHostProcesses(join(stateDir, 'hosts'), 0);
});

const LONG = 'x'.repeat(5000);

/** Values the records know, by member name, so that the other members of a request pass. */
function known(member: string): unknown {
  switch (member) {
    case 'deploymentId':
      return deploymentId;
    case 'applicationName':
      return 'shop';
    case 'deploymentGroupName':
    case 'currentDeploymentGroupName':
      return 'local';
    case 'instanceName':
    case 'targetId':
    case 'instanceId':
      return 'host-1';
    case 'deploymentConfigName':
      return 'CodeDeployDefault.OneAtATime';
    default:
      return undefined;
  }
}

const shape = (name: string): ShapeSpec => {
  const spec = CODEDEPLOY_MODEL.shapes[name];
  if (!spec) throw new Error(`no shape ${name}`);
  return spec;
};

/** A value of the shape that passes the model's checks. */
function valid(shapeName: string, member = ''): unknown {
  const known_ = known(member);
  const spec = shape(shapeName);
  switch (spec.type) {
    case 'string':
      return known_ ?? spec.enum?.[0] ?? 'x'.repeat(Math.max(1, spec.min ?? 1));
    case 'list': {
      const singular = member.replace(/s$/, '').replace(/List$/, '');
      return [valid(spec.member, known(singular) !== undefined ? singular : '')];
    }
    case 'map':
      return {};
    case 'structure':
      return Object.fromEntries(
        (spec.required ?? []).map((name) => [name, valid(spec.members[name]!, name)]),
      );
    case 'boolean':
      return false;
    case 'timestamp':
      return 0;
    case 'blob':
      return '';
    default:
      return Math.max(1, spec.min ?? 1);
  }
}

/** A request with every required member (and every member the records know) valid. */
function baseBody(input: string): Record<string, unknown> {
  const spec = shape(input);
  if (spec.type !== 'structure') throw new Error(`${input} is not a structure`);
  const body = valid(input) as Record<string, unknown>;
  for (const [name, member] of Object.entries(spec.members)) {
    if (known(name) !== undefined && shape(member).type === 'string') body[name] = known(name);
  }
  return body;
}

type Variant = { what: string; body: Record<string, unknown> };

/** `body` with `value` at `path` (members and list indexes), the rest as it was. */
function withValue(body: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (typeof head === 'number') {
    const list = Array.isArray(body) ? [...(body as unknown[])] : [];
    list[head] = withValue(list[head], rest, value);
    return list;
  }
  const object = typeof body === 'object' && body !== null ? { ...(body as Record<string, unknown>) } : {};
  object[head!] = withValue(object[head!], rest, value);
  return object;
}

/**
 * Each malformed variant of an operation's request, down to three levels of members: a string 5,000
 * characters long, an object where a list belongs.
 */
function variants(operation: string): Variant[] {
  const input = CODEDEPLOY_MODEL.operations[operation]?.input;
  if (!input) return [];
  const base = baseBody(input);
  const out: Variant[] = [];
  const walk = (shapeName: string, path: Array<string | number>, depth: number) => {
    const spec = shape(shapeName);
    const where = path.join('.');
    const add = (what: string, value: unknown) =>
      out.push({ what: `${where}: ${what}`, body: withValue(base, path, value) as Record<string, unknown> });
    if (spec.type === 'string' && !spec.enum) add('5,000 characters', LONG);
    if (spec.type === 'list') {
      add('an object', { item: 'x' });
      if (depth < 3) walk(spec.member, [...path, 0], depth + 1);
    }
    if (spec.type === 'structure' && depth < 3) {
      for (const [name, member] of Object.entries(spec.members)) walk(member, [...path, name], depth + 1);
    }
  };
  const spec = shape(input);
  if (spec.type !== 'structure') return [];
  for (const [name, member] of Object.entries(spec.members)) walk(member, [name], 1);
  return out;
}

/** What a message must never show: the records' keys and tables, the store, a stack, a path. */
const INTERNAL =
  /DEPLOYMENT#|APP#|GROUP#|INSTANCE#|TARGET#|\bpk\b|\bsk\b|gsi1|dynalite|dynamodb|leveldb|\bat .*\(|node_modules|\/work\/|Item size|key element|ValidationException: One or more/i;

const PROTOCOL_EXCEPTIONS = ['SerializationException', 'ValidationException', 'UnknownOperationException'];

async function rawCall(operation: string, text: string) {
  const signed = await signRequest(server.endpoint, {
    headers: apiHeaders(operation),
    body: text,
    credentials: server.key,
    service: 'codedeploy',
  });
  return send(server.endpoint, { headers: signed.headers, body: text });
}

describe('oversized and malformed members, for every operation', () => {
  it('are refused with a modelled exception and a message without internal detail, never a 500', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const operation of SUPPORTED_OPERATIONS) {
      const modelled = new Set([
        ...(CODEDEPLOY_MODEL.operations[operation]?.errors ?? []),
        ...PROTOCOL_EXCEPTIONS,
      ]);
      for (const { what, body } of variants(operation)) {
        checked++;
        const response = await rawCall(operation, JSON.stringify(body));
        const answer = JSON.parse(response.text) as { __type?: string; message?: string };
        const where = `${operation} (${what}): ${response.statusCode} ${response.text.slice(0, 300)}`;
        if (response.statusCode >= 500) problems.push(where);
        else if (response.statusCode >= 400 && !modelled.has(answer.__type ?? '')) problems.push(where);
        else if (INTERNAL.test(response.text)) problems.push(where);
      }
    }
    expect(checked).toBeGreaterThan(150);
    expect(problems).toEqual([]);
    expect(internalErrors).toEqual([]);
  }, 120_000);
});

describe('through the real SDK', () => {
  it('ids of 5,000 characters name the field, as CodeDeploy would, and nothing internal', async () => {
    const attempts = [
      new GetDeploymentTargetCommand({ deploymentId, targetId: LONG }),
      new GetDeploymentInstanceCommand({ deploymentId, instanceId: LONG }),
      new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: [LONG] }),
      new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId,
        lifecycleEventHookExecutionId: LONG,
        status: 'Succeeded',
      }),
    ];
    for (const command of attempts) {
      const error = (await codedeploy.send(command as never).then(
        () => new Error('answered'),
        (failure: unknown) => failure,
      )) as Error & { $metadata?: { httpStatusCode?: number } };
      expect(error.$metadata?.httpStatusCode).toBe(400);
      expect(error.name).toMatch(/Exception$/);
      expect(error.message).not.toMatch(INTERNAL);
    }
    expect(internalErrors).toEqual([]);
  });

  it('a 10 MB CreateDeployment gets a 413 RequestEntityTooLargeException, not a reset connection', async () => {
    const error = (await codedeploy
      .send(
        new CreateDeploymentCommand({
          applicationName: 'shop',
          deploymentGroupName: 'local',
          revision: {
            revisionType: 'AppSpecContent',
            appSpecContent: { content: 'x'.repeat(10 * 1024 * 1024) },
          },
        }),
      )
      .then(
        () => new Error('answered'),
        (failure: unknown) => failure,
      )) as Error & { $metadata?: { httpStatusCode?: number } };
    expect(error.name).toBe('RequestEntityTooLargeException');
    expect(error.$metadata?.httpStatusCode).toBe(413);
  });
});

describe('raw HTTP', () => {
  it('a 10 MB body gets a JSON 413 naming the limit', async () => {
    const response = await rawCall(
      'CreateApplication',
      JSON.stringify({ applicationName: LONG.repeat(2100) }),
    );
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(response.text)).toEqual({
      __type: 'RequestEntityTooLargeException',
      message: 'The request body is larger than 1048576 bytes, the limit.',
    });
  });

  it('JSON nested 50,000 deep is a SerializationException, not a crash', async () => {
    const deep = `{"applicationName":"deep","tags":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const nestedObjects = `{"applicationName":"deep2","x":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    for (const text of [deep, nestedObjects]) {
      const response = await rawCall('CreateApplication', text);
      expect(response.statusCode).toBeLessThan(500);
      expect(response.text).not.toMatch(INTERNAL);
    }
    expect(internalErrors).toEqual([]);
  });
});
