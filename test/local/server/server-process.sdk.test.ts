/**
 * `stepdeploy server` as a real child process (the compiled CLI), driven by the real
 * @aws-sdk/client-codedeploy and @aws-sdk/client-s3 as a CodeDeploy user's code drives CodeDeploy:
 * the flow (on-premises instances and tags, an application, a group selecting them by tag
 * filters, a bucket and an upload, CreateDeployment), the waiter on a deployment that succeeds and on
 * one that fails, every deployment operation with its paginators (pages of 2) and the exception
 * classes it throws, StopDeployment of a running deployment, the S3 trigger, server.json, and the
 * end of the process on SIGTERM.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AddTagsToOnPremisesInstancesCommand,
  ApplicationDoesNotExistException,
  BatchGetDeploymentInstancesCommand,
  BatchGetDeploymentsCommand,
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  DeleteDeploymentConfigCommand,
  DeploymentAlreadyCompletedException,
  DeploymentConfigDoesNotExistException,
  DeploymentConfigInUseException,
  DeploymentGroupDoesNotExistException,
  DeploymentGroupNameRequiredException,
  DeploymentLimitExceededException,
  DeploymentTargetDoesNotExistException,
  DeploymentTargetListSizeExceededException,
  DescriptionTooLongException,
  GetDeploymentCommand,
  GetDeploymentInstanceCommand,
  GetDeploymentTargetCommand,
  InstanceDoesNotExistException,
  InvalidDeploymentIdException,
  InvalidDeploymentWaitTypeException,
  InvalidRevisionException,
  InvalidTimeRangeException,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  paginateListDeploymentInstances,
  paginateListDeployments,
  RegisterOnPremisesInstanceCommand,
  SkipWaitTimeForInstanceTerminationCommand,
  StopDeploymentCommand,
  UnsupportedActionForDeploymentTypeException,
  waitUntilDeploymentSuccessful,
  type DeploymentInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopHostProcesses } from '../../../local/hosts/processes.js';
import { repoRoot, runCliAsync } from '../../cli/run-cli.js';
import { tempDir } from '../../domain/instance-scripts/harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const work = tempDir('sd-server-');
const stateDir = join(work, 'state');
let server: ChildProcessWithoutNullStreams;
let serverLog = '';
let exports = '';
let file: Record<string, unknown>;
let codedeploy: CodeDeployClient;
let s3: S3Client;

const ROLE = 'arn:aws:iam::123456789012:role/any';
/** The waiter polls every second here, not CodeDeploy's 15: the deployments take seconds. */
const waiter = () => ({ client: codedeploy, maxWaitTime: 60, minDelay: 1, maxDelay: 1 });

/** A tgz revision: one file installed to /srv/shop/version.txt, and the hooks given (event -> sh body). */
function revision(name: string, hooks: Record<string, string> = {}): string {
  const dir = join(work, 'revisions', name);
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  writeFileSync(join(dir, 'version.txt'), `${name}\n`);
  const hookLines: string[] = [];
  for (const [event, body] of Object.entries(hooks)) {
    writeFileSync(join(dir, 'scripts', `${event}.sh`), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    hookLines.push(`  ${event}:`, `    - location: scripts/${event}.sh`, '      timeout: 120');
  }
  writeFileSync(
    join(dir, 'appspec.yml'),
    [
      'version: 0.0',
      'os: linux',
      'files:',
      '  - source: version.txt',
      '    destination: /srv/shop',
      'file_exists_behavior: OVERWRITE',
      ...(hookLines.length ? ['hooks:', ...hookLines] : []),
      '',
    ].join('\n'),
  );
  const bundle = join(work, `${name}.tgz`);
  execFileSync('tar', ['-czf', bundle, '-C', dir, '.']);
  return bundle;
}

async function upload(name: string, key: string, hooks?: Record<string, string>): Promise<RevisionLocation> {
  await s3.send(
    new PutObjectCommand({ Bucket: 'revisions', Key: key, Body: readFileSync(revision(name, hooks)) }),
  );
  return { revisionType: 'S3', s3Location: { bucket: 'revisions', key, bundleType: 'tgz' } };
}

async function deploy(revisionLocation: RevisionLocation, extra: Record<string, unknown> = {}) {
  const { deploymentId } = await codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: 'shop',
      deploymentGroupName: 'prod',
      revision: revisionLocation,
      ...extra,
    }),
  );
  return deploymentId!;
}

async function info(deploymentId: string): Promise<DeploymentInfo> {
  return (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${serverLog}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every deployment id, page after page (the server's pages hold 2). */
async function allDeployments(): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of paginateListDeployments({ client: codedeploy }, {}))
    ids.push(...(page.deployments ?? []));
  return ids;
}

const readServerFile = () =>
  JSON.parse(readFileSync(join(stateDir, 'server.json'), 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  server = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'stepdeploy.js'), 'server', '--state-dir', stateDir, '--page-size', '2'],
    { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } },
  );
  server.stdout.on('data', (chunk: Buffer) => (exports += chunk.toString()));
  server.stderr.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
  await until('the export lines', async () => (exports.split('\n').length > 5 ? true : undefined));
  file = readServerFile();
  const credentials = {
    accessKeyId: String(file.accessKeyId),
    secretAccessKey: String(file.secretAccessKey),
  };
  codedeploy = new CodeDeployClient({
    endpoint: String(file.endpoint),
    region: String(file.region),
    credentials,
    maxAttempts: 1,
  });
  s3 = new S3Client({
    endpoint: String(file.s3Endpoint),
    region: String(file.region),
    credentials,
    forcePathStyle: true,
  });
});

afterAll(async () => {
  codedeploy?.destroy();
  s3?.destroy();
  if (server && server.exitCode === null) {
    server.kill('SIGKILL');
    await new Promise((resolve) => server.once('exit', resolve));
  }
  await stopHostProcesses(join(stateDir, 'hosts'), 0);
});

describe('stepdeploy server, as a child process', () => {
  it('writes server.json (mode 0600) with exactly its keys, and prints the export lines', () => {
    expect(Object.keys(file)).toEqual([
      'endpoint',
      's3Endpoint',
      'region',
      'accessKeyId',
      'secretAccessKey',
      'pid',
      'loadBalancers',
      'listeners',
    ]);
    expect(file).toMatchObject({ pid: server.pid, region: 'us-east-1', loadBalancers: {} });
    expect(String(file.endpoint)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(statSync(join(stateDir, 'server.json')).mode & 0o777).toBe(0o600);
    expect(exports).toContain(`export AWS_ENDPOINT_URL_CODEDEPLOY='${String(file.endpoint)}'`);
    expect(exports).toContain(`export AWS_ENDPOINT_URL_S3='${String(file.s3Endpoint)}'`);
    expect(exports).toContain(`export AWS_SECRET_ACCESS_KEY='${String(file.secretAccessKey)}'`);
  });

  it('refuses an unsigned call on the API and on S3, and keeps the records off TCP', async () => {
    const api = await fetch(String(file.endpoint), {
      method: 'POST',
      headers: {
        'x-amz-target': 'CodeDeploy_20141006.ListDeployments',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(((await api.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
    const bucket = await fetch(`${String(file.s3Endpoint)}/revisions`);
    expect(bucket.status).toBe(403);
    expect(statSync(join(stateDir, 'run', 'records.sock')).mode & 0o777).toBe(0o600);
  });

  it('runs the issue flow: instances by tag, a bucket, an upload, CreateDeployment, and the waiter succeeds', async () => {
    for (const name of ['web-1', 'web-2']) {
      await codedeploy.send(
        new RegisterOnPremisesInstanceCommand({
          instanceName: name,
          iamUserArn: `arn:aws:iam::123456789012:user/${name}`,
        }),
      );
    }
    await codedeploy.send(
      new AddTagsToOnPremisesInstancesCommand({
        instanceNames: ['web-1', 'web-2'],
        tags: [{ Key: 'role', Value: 'web' }],
      }),
    );
    // Registered, not tagged: the group's filter must leave it out.
    await codedeploy.send(
      new RegisterOnPremisesInstanceCommand({
        instanceName: 'db-1',
        iamUserArn: 'arn:aws:iam::123456789012:user/db-1',
      }),
    );
    await codedeploy.send(
      new CreateApplicationCommand({ applicationName: 'shop', computePlatform: 'Server' }),
    );
    await codedeploy.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'shop',
        deploymentGroupName: 'prod',
        onPremisesInstanceTagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }],
        serviceRoleArn: ROLE,
        deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'revisions' }));
    const v1 = await upload('v1', 'shop/v1.tgz');
    const deploymentId = await deploy(v1, { description: 'first' });
    expect(deploymentId).toMatch(/^d-[A-Z0-9]{9}$/);

    await expect(waitUntilDeploymentSuccessful(waiter(), { deploymentId })).resolves.toMatchObject({
      state: 'SUCCESS',
    });
    const done = await info(deploymentId);
    expect(done).toMatchObject({
      status: 'Succeeded',
      description: 'first',
      deploymentOverview: { Pending: 0, InProgress: 0, Succeeded: 2, Failed: 0, Skipped: 0, Ready: 0 },
      revision: {
        revisionType: 'S3',
        s3Location: { bucket: 'revisions', key: 'shop/v1.tgz', bundleType: 'tgz' },
      },
      deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      fileExistsBehavior: 'DISALLOW',
      computePlatform: 'Server',
      creator: 'user',
    });
    expect(done.previousRevision).toBeUndefined();
    for (const host of ['web-1', 'web-2']) {
      expect(readFileSync(join(stateDir, 'hosts', host, 'root', 'srv', 'shop', 'version.txt'), 'utf8')).toBe(
        'v1\n',
      );
    }
    expect(existsSync(join(stateDir, 'hosts', 'db-1', 'root', 'srv'))).toBe(false);
  });

  it('fails the waiter on a failed deployment, which reports its previous revision and its failed target', async () => {
    const v2 = await upload('v2', 'shop/v2.tgz', { ValidateService: 'echo "not healthy"; exit 3' });
    const deploymentId = await deploy(v2);
    const failure = await waitUntilDeploymentSuccessful(waiter(), { deploymentId }).catch(
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('FAILURE');
    const failed = await info(deploymentId);
    expect(failed).toMatchObject({
      status: 'Failed',
      errorInformation: { code: 'HEALTH_CONSTRAINTS' },
      previousRevision: { revisionType: 'S3', s3Location: { key: 'shop/v1.tgz' } },
      // OneAtATime: the first instance failed, the second was never attempted.
      deploymentOverview: { Failed: 1, Skipped: 1, Succeeded: 0 },
    });
    const { targetIds } = await codedeploy.send(
      new ListDeploymentTargetsCommand({ deploymentId, targetFilters: { TargetStatus: ['Failed'] } }),
    );
    expect(targetIds).toHaveLength(1);
    const { deploymentTarget } = await codedeploy.send(
      new GetDeploymentTargetCommand({ deploymentId, targetId: targetIds![0]! }),
    );
    expect(deploymentTarget?.deploymentTargetType).toBe('InstanceTarget');
    const validate = deploymentTarget?.instanceTarget?.lifecycleEvents?.find(
      (event) => event.lifecycleEventName === 'ValidateService',
    );
    expect(validate).toMatchObject({
      status: 'Failed',
      diagnostics: {
        errorCode: 'ScriptFailed',
        scriptName: 'scripts/ValidateService.sh',
        message: 'Script at specified location: scripts/ValidateService.sh failed with exit code 3',
      },
    });
    expect(validate?.diagnostics?.logTail).toContain('not healthy');
    expect(deploymentTarget?.instanceTarget?.targetArn).toMatch(
      /^arn:aws:codedeploy:us-east-1:\d{12}:instance\/web-/,
    );
  });

  it('reads targets and instances in pages and batches, with CodeDeploy exceptions', async () => {
    const [latest] = (
      await codedeploy.send(
        new ListDeploymentsCommand({ applicationName: 'shop', deploymentGroupName: 'prod' }),
      )
    ).deployments!;
    const deploymentId = latest!;
    // Pages of 2 (the server's --page-size): two instances, one page; the paginator stops there.
    const instances: string[] = [];
    for await (const page of paginateListDeploymentInstances({ client: codedeploy }, { deploymentId })) {
      instances.push(...(page.instancesList ?? []));
    }
    expect(instances.sort()).toEqual(['web-1', 'web-2']);
    const skipped = await codedeploy.send(
      new ListDeploymentTargetsCommand({ deploymentId, targetFilters: { TargetStatus: ['Skipped'] } }),
    );
    const { deploymentTargets } = await codedeploy.send(
      new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ['web-1', 'web-2'] }),
    );
    expect(deploymentTargets?.map((target) => target.instanceTarget?.status).sort()).toEqual([
      'Failed',
      'Skipped',
    ]);
    expect(skipped.targetIds).toHaveLength(1);
    const { instanceSummary } = await codedeploy.send(
      new GetDeploymentInstanceCommand({ deploymentId, instanceId: skipped.targetIds![0]! }),
    );
    expect(instanceSummary).toMatchObject({ deploymentId, status: 'Skipped' });
    expect(instanceSummary?.lifecycleEvents?.every((event) => event.status === 'Skipped')).toBe(true);
    const batch = await codedeploy.send(
      new BatchGetDeploymentInstancesCommand({ deploymentId, instanceIds: ['web-1', 'nowhere'] }),
    );
    expect(batch.instancesSummary).toHaveLength(1);
    expect(batch.errorMessage).toContain('nowhere');

    await expect(
      codedeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId: 'nowhere' })),
    ).rejects.toBeInstanceOf(DeploymentTargetDoesNotExistException);
    await expect(
      codedeploy.send(
        new BatchGetDeploymentTargetsCommand({
          deploymentId,
          targetIds: Array.from({ length: 26 }, (_, i) => `t-${i}`),
        }),
      ),
    ).rejects.toBeInstanceOf(DeploymentTargetListSizeExceededException);
    await expect(
      codedeploy.send(new GetDeploymentInstanceCommand({ deploymentId, instanceId: 'nowhere' })),
    ).rejects.toBeInstanceOf(InstanceDoesNotExistException);
    await expect(
      codedeploy.send(new GetDeploymentCommand({ deploymentId: 'd-lowercase' })),
    ).rejects.toBeInstanceOf(InvalidDeploymentIdException);
  });

  it('stops a running deployment; the group was busy meanwhile, and Continue is for blue/green only', async () => {
    const v3 = await upload('v3', 'shop/v3.tgz', { BeforeInstall: 'sleep 60' });
    // A custom config: Prepare reads it from the records as CreateDeploymentConfig wrote it.
    await codedeploy.send(
      new CreateDeploymentConfigCommand({
        deploymentConfigName: 'Shop.KeepOne',
        minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 },
      }),
    );
    const deploymentId = await deploy(v3, {
      deploymentConfigName: 'Shop.KeepOne',
      autoRollbackConfiguration: { enabled: false, events: [] },
    });
    await until('BeforeInstall to run', async () => {
      const { deploymentTarget } = await codedeploy
        .send(new GetDeploymentTargetCommand({ deploymentId, targetId: 'web-1' }))
        .catch(() => ({ deploymentTarget: undefined }));
      const event = deploymentTarget?.instanceTarget?.lifecycleEvents?.find(
        (e) => e.lifecycleEventName === 'BeforeInstall',
      );
      return event?.status === 'InProgress' ? true : undefined;
    });
    expect((await info(deploymentId)).deploymentConfigName).toBe('Shop.KeepOne');
    await expect(
      codedeploy.send(new DeleteDeploymentConfigCommand({ deploymentConfigName: 'Shop.KeepOne' })),
    ).rejects.toBeInstanceOf(DeploymentConfigInUseException);
    // One active deployment per group, as CodeDeploy: answered at CreateDeployment.
    const busy = await deploy(v3).catch((error: Error) => error);
    expect(busy).toBeInstanceOf(DeploymentLimitExceededException);
    expect((busy as Error).message).toBe(
      `The Deployment Group 'prod' already has an active Deployment '${deploymentId}'`,
    );
    await expect(
      codedeploy.send(new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: 'READY_WAIT' })),
    ).rejects.toBeInstanceOf(UnsupportedActionForDeploymentTypeException);
    await expect(
      codedeploy.send(new SkipWaitTimeForInstanceTerminationCommand({ deploymentId })),
    ).rejects.toBeInstanceOf(UnsupportedActionForDeploymentTypeException);
    await expect(
      codedeploy.send(new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: 'SOON' as never })),
    ).rejects.toBeInstanceOf(InvalidDeploymentWaitTypeException);

    await expect(codedeploy.send(new StopDeploymentCommand({ deploymentId }))).resolves.toMatchObject({
      status: 'Pending',
      statusMessage: `Stopping deployment ${deploymentId}.`,
    });
    const stopped = await until('the stop', async () => {
      const current = await info(deploymentId);
      return current.status === 'Stopped' ? current : undefined;
    });
    expect(stopped.errorInformation?.code).toBe('MANUAL_STOP');
    expect(stopped.rollbackInfo?.rollbackDeploymentId).toBeUndefined();
    await expect(codedeploy.send(new StopDeploymentCommand({ deploymentId }))).rejects.toBeInstanceOf(
      DeploymentAlreadyCompletedException,
    );
    await codedeploy.send(new DeleteDeploymentConfigCommand({ deploymentConfigName: 'Shop.KeepOne' }));
  });

  it('refuses bad CreateDeployment requests with their exception classes, recording nothing', async () => {
    const before = await allDeployments();
    const s3Revision: RevisionLocation = {
      revisionType: 'S3',
      s3Location: { bucket: 'revisions', key: 'shop/v1.tgz', bundleType: 'tgz' },
    };
    const cases: Array<[Record<string, unknown>, new (...args: never[]) => Error]> = [
      [
        { applicationName: 'nope', deploymentGroupName: 'prod', revision: s3Revision },
        ApplicationDoesNotExistException,
      ],
      [{ applicationName: 'shop', revision: s3Revision }, DeploymentGroupNameRequiredException],
      [
        { applicationName: 'shop', deploymentGroupName: 'nope', revision: s3Revision },
        DeploymentGroupDoesNotExistException,
      ],
      [
        {
          applicationName: 'shop',
          deploymentGroupName: 'prod',
          revision: {
            revisionType: 'GitHub',
            gitHubLocation: { repository: 'acme/shop', commitId: 'abc123' },
          },
        },
        InvalidRevisionException,
      ],
      [
        {
          applicationName: 'shop',
          deploymentGroupName: 'prod',
          revision: s3Revision,
          description: 'x'.repeat(300),
        },
        DescriptionTooLongException,
      ],
      [
        {
          applicationName: 'shop',
          deploymentGroupName: 'prod',
          revision: s3Revision,
          deploymentConfigName: 'Nope',
        },
        DeploymentConfigDoesNotExistException,
      ],
    ];
    for (const [input, exception] of cases) {
      await expect(codedeploy.send(new CreateDeploymentCommand(input as never))).rejects.toBeInstanceOf(
        exception,
      );
    }
    const github = await codedeploy
      .send(new CreateDeploymentCommand(cases[3]![0] as never))
      .catch((error: Error) => error);
    expect((github as Error).message).toContain('GitHub revisions are deployed by stepdeploy in AWS only');
    expect(await allDeployments()).toEqual(before);
  });

  it('lists deployments page by page, by status, by creation time and by external id', async () => {
    const all: string[] = [];
    let pages = 0;
    for await (const page of paginateListDeployments(
      { client: codedeploy },
      { applicationName: 'shop', deploymentGroupName: 'prod' },
    )) {
      pages++;
      all.push(...(page.deployments ?? []));
    }
    expect(all).toHaveLength(3);
    expect(pages).toBe(2);
    const { deploymentsInfo } = await codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: all }));
    const byStatus = Object.fromEntries(deploymentsInfo!.map((d) => [d.status, d.deploymentId]));
    // Newest first, as the group's index lists them.
    expect(deploymentsInfo!.map((d) => d.deploymentId)).toEqual(all);
    expect(all[0]).toBe(byStatus.Stopped);

    const failedOnly = await codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: 'shop',
        deploymentGroupName: 'prod',
        includeOnlyStatuses: ['Failed'],
      }),
    );
    expect(failedOnly.deployments).toEqual([byStatus.Failed]);
    const first = deploymentsInfo!.find((d) => d.deploymentId === byStatus.Succeeded)!;
    const after = await codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: 'shop',
        deploymentGroupName: 'prod',
        createTimeRange: { start: new Date(first.createTime!.getTime() + 1) },
      }),
    );
    expect(after.deployments?.sort()).toEqual([byStatus.Failed, byStatus.Stopped].sort());
    const none = await codedeploy.send(
      new ListDeploymentsCommand({ externalId: 'arn:aws:cloudformation:none' }),
    );
    expect(none.deployments).toEqual([]);
    await expect(
      codedeploy.send(
        new ListDeploymentsCommand({
          createTimeRange: { start: new Date(), end: new Date(Date.now() - 60_000) },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidTimeRangeException);
  });

  it('starts a deployment for an upload under <application>/<deployment-group>/, as the S3 trigger does', async () => {
    const before = new Set(await allDeployments());
    await upload('v4', 'shop/prod/v4.tgz');
    const started = await until('the upload to start a deployment', async () =>
      (await allDeployments()).find((id) => !before.has(id)),
    );
    await expect(waitUntilDeploymentSuccessful(waiter(), { deploymentId: started })).resolves.toMatchObject({
      state: 'SUCCESS',
    });
    expect(await info(started)).toMatchObject({
      description: 'Started by the upload of s3://revisions/shop/prod/v4.tgz.',
      revision: { s3Location: { key: 'shop/prod/v4.tgz' } },
    });
    expect(readFileSync(join(stateDir, 'hosts', 'web-2', 'root', 'srv', 'shop', 'version.txt'), 'utf8')).toBe(
      'v4\n',
    );
  });

  it("names a group's target group in server.json as soon as the group is saved", async () => {
    await codedeploy.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'shop',
        deploymentGroupName: 'behind-lb',
        onPremisesInstanceTagFilters: [{ Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' }],
        serviceRoleArn: ROLE,
        deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        loadBalancerInfo: { targetGroupInfoList: [{ name: 'shop-web' }] },
      }),
    );
    const url = (readServerFile().loadBalancers as Record<string, string>)['shop-web'];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // No instance registered on it yet: the listener answers 503, as an ALB with no healthy target.
    expect((await fetch(url!)).status).toBe(503);
  });

  it('serves the stepdeploy CLI as a client: deploy, list, status, continue and stop go through it', async () => {
    const deployed = await runCliAsync(
      [
        'deploy',
        'examples/webapp',
        '--application',
        'cli-app',
        '--hosts',
        '1',
        '--state-dir',
        stateDir,
        '--json',
      ],
      { timeoutMs: 120_000 },
    );
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
    const view = JSON.parse(deployed.stdout) as {
      deploymentId: string;
      status: string;
      instances: Array<{ id: string }>;
    };
    expect(view).toMatchObject({ status: 'Succeeded', instances: [{ id: 'host-1' }] });
    // The server made the host when deploy registered it, and serves the deployment to any client.
    expect(existsSync(join(stateDir, 'hosts', 'host-1', 'root', 'opt', 'webapp', 'VERSION'))).toBe(true);
    expect(await info(view.deploymentId)).toMatchObject({ applicationName: 'cli-app', status: 'Succeeded' });

    const list = await runCliAsync(['list', '--state-dir', stateDir, '--json']);
    const rows = JSON.parse(list.stdout) as Array<{ deploymentId: string; applicationName: string }>;
    expect(rows[0]).toMatchObject({ deploymentId: view.deploymentId, applicationName: 'cli-app' });
    expect(rows.length).toBeGreaterThan(4);
    const status = await runCliAsync(['status', view.deploymentId, '--state-dir', stateDir, '--json']);
    expect(JSON.parse(status.stdout)).toEqual(view);
    const continued = await runCliAsync(['continue', view.deploymentId, '--state-dir', stateDir]);
    expect(continued.code).toBe(1);
    expect(continued.stderr).toContain(
      'ContinueDeployment applies to ECS and EC2/On-Premises blue/green deployments',
    );
    const stopped = await runCliAsync(['stop', view.deploymentId, '--state-dir', stateDir]);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('has already completed (Succeeded)');
    // The limits are the running server's settings, not one deployment's.
    const limited = await runCliAsync([
      'deploy',
      'examples/webapp',
      '--max-bundle-size',
      '1MiB',
      '--state-dir',
      stateDir,
    ]);
    expect(limited.code).toBe(2);
    expect(limited.stderr).toContain('pass them to `stepdeploy server`');
  });

  it('ends on SIGTERM, leaving the key and no endpoint in server.json', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    const after = readServerFile();
    expect(after).toMatchObject({ pid: 0, endpoint: '', accessKeyId: file.accessKeyId });
  });
});
