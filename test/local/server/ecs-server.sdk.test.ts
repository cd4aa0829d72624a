/**
 * The local ECS service inside `stepdeploy server` (a real child process of the compiled CLI):
 * `stepdeploy deploy DIR` is its client for examples/ecs (the service created, then version 2
 * deployed), server.json names the listeners, and the real @aws-sdk/client-codedeploy deploys an S3
 * YAML AppSpec naming a registered task definition's ARN, as `aws deploy create-deployment` would.
 * A task-definition path reaches no local file through the API, and the server's own ECS
 * operations are refused unsigned. SIGTERM ends the tasks with the server.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  waitUntilDeploymentSuccessful,
} from '@aws-sdk/client-codedeploy';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecsTaskProcesses, stopEcsTaskProcesses } from '../../../local/ecs/task-processes.js';
import { repoRoot, runCliAsync } from '../../cli/run-cli.js';
import { tempDir } from '../../domain/instance-scripts/harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const work = tempDir('sd-ecs-server-');
const stateDir = join(work, 'state');
let server: ChildProcessWithoutNullStreams;
let serverLog = '';
let exports = '';
let codedeploy: CodeDeployClient;
let s3: S3Client;
let endpoint = '';

const readServerFile = () => JSON.parse(readFileSync(join(stateDir, 'server.json'), 'utf8'));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${serverLog}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The version production answers, from a few requests (all must agree). */
async function productionVersions(url: string, count = 10): Promise<string[]> {
  const versions = new Set<string>();
  for (let i = 0; i < count; i++) {
    const response = await fetch(url);
    versions.add(`${response.status} ${((await response.json()) as { version: string }).version}`);
  }
  return [...versions];
}

/** An ECS AppSpec with no hooks, naming a task definition, as a user would upload it. */
const appSpec = (taskDefinition: string) =>
  [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    `        TaskDefinition: ${taskDefinition}`,
    '        LoadBalancerInfo:',
    '          ContainerName: web',
    '          ContainerPort: 8080',
    '',
  ].join('\n');

beforeAll(async () => {
  server = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'stepdeploy.js'), 'server', '--state-dir', stateDir],
    {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  server.stdout.on('data', (chunk: Buffer) => (exports += chunk.toString()));
  server.stderr.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
  await until('the export lines', async () => (exports.split('\n').length > 5 ? true : undefined));
  const file = readServerFile();
  endpoint = file.endpoint;
  const credentials = { accessKeyId: file.accessKeyId, secretAccessKey: file.secretAccessKey };
  codedeploy = new CodeDeployClient({ endpoint, region: file.region, credentials });
  s3 = new S3Client({ endpoint: file.s3Endpoint, region: file.region, credentials, forcePathStyle: true });
});

afterAll(async () => {
  codedeploy?.destroy();
  s3?.destroy();
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await stopEcsTaskProcesses(stateDir);
});

describe('the local ECS service in stepdeploy server', () => {
  let production = '';

  it('deploy DIR is its client: the first deployment creates the service, server.json names its listeners', async () => {
    const created = await runCliAsync(
      ['deploy', 'examples/ecs/v1', '--state-dir', stateDir, '--test-listener-port', '0', '--json'],
      { timeoutMs: 120_000 },
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ deploymentId: null, serviceCreated: true });
    const file = readServerFile();
    expect(statSync(join(stateDir, 'server.json')).mode & 0o777).toBe(0o600);
    expect(file.listeners).toEqual({
      'example-web': {
        production: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        test: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      },
    });
    production = file.listeners['example-web'].production;
    expect(await productionVersions(production)).toEqual(['200 1']);
    expect(await productionVersions(file.listeners['example-web'].test)).toEqual(['200 1']);
    // The service lives in the server: its tasks outlive the client that created it.
    expect(ecsTaskProcesses(stateDir)).toHaveLength(2);

    const deployed = await runCliAsync(['deploy', 'examples/ecs/v2', '--state-dir', stateDir, '--json'], {
      timeoutMs: 120_000,
    });
    expect(deployed.code).toBe(0);
    expect(JSON.parse(deployed.stdout)).toMatchObject({ status: 'Succeeded', serviceCreated: false });
    expect(await productionVersions(production)).toEqual(['200 2']);
    expect(readServerFile().listeners['example-web'].production).toBe(production);
  });

  it('deploys an S3 YAML AppSpec naming a registered task definition through the SDK, as aws deploy create-deployment does', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'revisions' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'revisions',
        Key: 'web/back-to-1.yaml',
        Body: appSpec('arn:aws:ecs:local:000000000000:task-definition/example-web:1'),
      }),
    );
    const { deploymentId } = await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'example-web',
        deploymentGroupName: 'local',
        revision: {
          revisionType: 'S3',
          s3Location: { bucket: 'revisions', key: 'web/back-to-1.yaml', bundleType: 'YAML' },
        },
      }),
    );
    await waitUntilDeploymentSuccessful(
      { client: codedeploy, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { deploymentId: deploymentId! },
    );
    expect(await productionVersions(production)).toEqual(['200 1']);
    const { deploymentTarget } = await codedeploy.send(
      new GetDeploymentTargetCommand({ deploymentId: deploymentId!, targetId: 'local:example-web' }),
    );
    const taskSets = deploymentTarget?.ecsTarget?.taskSetsInfo ?? [];
    expect(taskSets.find((t) => t.taskSetLabel === 'Green')).toMatchObject({
      trafficWeight: 100,
      runningCount: 2,
    });
  });

  it('names no local file through the API: a task-definition path in an AppSpec fails the deployment, traffic untouched', async () => {
    const { deploymentId } = await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'example-web',
        deploymentGroupName: 'local',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec('taskdef.json') } },
      }),
    );
    const info = await until('the deployment to end', async () => {
      const { deploymentInfo } = await codedeploy.send(
        new GetDeploymentCommand({ deploymentId: deploymentId! }),
      );
      return deploymentInfo?.status === 'Failed' ? deploymentInfo : undefined;
    });
    expect(info.errorInformation?.code).toBe('INVALID_REVISION');
    expect(info.errorInformation?.message).toContain('register it');
    expect(await productionVersions(production)).toEqual(['200 1']);
  });

  it("refuses the server's own ECS operations unsigned, as every call but the hook status", async () => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'StepDeployLocalEcs.EnsureService',
      },
      body: JSON.stringify({
        serviceName: 'intruder',
        taskDefinitionFile: '/etc/passwd',
        containerName: 'web',
        containerPort: 8080,
      }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe(
      'MissingAuthenticationTokenException',
    );
    expect(Object.keys(readServerFile().listeners)).toEqual(['example-web']);
  });

  it('ends the tasks with the server on SIGTERM and forgets their URLs', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(ecsTaskProcesses(stateDir)).toEqual([]);
    expect(readServerFile().listeners).toEqual({});
  });
});
