/**
 * OnRevisionUploaded against DynamoDB's API (dynalite, in memory) and an executions port that answers
 * as StartExecution does: an upload to `<app>/<group>/<file>` starts one deployment of that object
 * version, however often its event is delivered; an upload it cannot deploy starts nothing and says why.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createdObjectFromEvent, uploadDeploymentId } from '../../functions/adapters/aws/s3-object-events.js';
import { isDeploymentId } from '../../functions/domain/deployment-id.js';
import type { FlowKey } from '../../functions/domain/flows.js';
import type { DeploymentExecutionsPort } from '../../functions/ports/deployment-executions.js';
import { storeRoles } from '../../functions/ports/deployment-store.js';
import type { DeploymentRequest } from '../../functions/ports/records.js';
import {
  bundleTypeOf,
  onRevisionUploaded,
  type OnRevisionUploadedInput,
} from '../../functions/steps/on-revision-uploaded.js';
import { startLocalDatabase, type LocalDatabase } from '../../local/runtime/dynalite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const BUCKET = 'stepdeploy-revisions';

type Started = { flow: FlowKey; request: DeploymentRequest & { deploymentId: string } };

/**
 * Step Functions' StartExecution semantics: the same name and input while it runs is a no-op; a
 * different input, or a name whose execution has closed, is refused with ExecutionAlreadyExists.
 */
class Executions implements DeploymentExecutionsPort {
  readonly started: Started[] = [];
  readonly closed = new Set<string>();

  async startDeployment(flow: FlowKey, request: DeploymentRequest & { deploymentId: string }) {
    const earlier = this.started.find((s) => s.request.deploymentId === request.deploymentId);
    if (earlier) {
      if (
        this.closed.has(request.deploymentId) ||
        JSON.stringify(earlier.request) !== JSON.stringify(request)
      ) {
        throw Object.assign(new Error(`Execution ${request.deploymentId} already exists`), {
          name: 'ExecutionAlreadyExists',
        });
      }
      return;
    }
    this.started.push({ flow, request });
  }
}

let db: LocalDatabase;
let executions: Executions;

beforeEach(async () => {
  db = await startLocalDatabase();
  executions = new Executions();
  await db.store.putDeploymentGroup({
    applicationName: 'shop',
    deploymentGroupName: 'web',
    deploymentGroupId: 'dg-web',
    computePlatform: 'Server',
    instanceIds: ['i-1'],
  });
  await db.store.putDeploymentGroup({
    applicationName: 'shop',
    deploymentGroupName: 'api',
    deploymentGroupId: 'dg-api',
    computePlatform: 'Lambda',
  });
});

afterEach(async () => {
  await db.close();
});

const run = (input: OnRevisionUploadedInput) =>
  onRevisionUploaded({ ...storeRoles(db.store), executions })(input);

/** The S3 event EventBridge delivers for an upload (keys arrive URL-encoded). */
function objectCreated(key: string, object: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'c9888434-815d-c6f4-9fc2-4dd7bdeccaaf',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2025-03-01T12:00:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${BUCKET}`],
    detail: {
      version: '0',
      bucket: { name: BUCKET },
      object: {
        key,
        size: 1024,
        etag: '4af981f98d22a0b9979da24b259e5e42',
        sequencer: '0064D3901D00059242',
        ...object,
      },
      reason: 'PutObject',
    },
  };
}

/** What the handler does with an event: read it, derive the id, run the step. */
async function deliver(event: unknown) {
  const parsed = createdObjectFromEvent(event);
  if ('problem' in parsed) throw new Error(parsed.problem);
  const { object } = parsed;
  return run({
    bucket: object.bucket,
    key: object.key,
    ...(object.versionId ? { version: object.versionId } : {}),
    ...(object.eTag ? { eTag: object.eTag } : {}),
    deploymentId: uploadDeploymentId(object),
  });
}

describe('onRevisionUploaded', () => {
  it('starts a deployment of the uploaded object version on the group its key names', async () => {
    const result = await deliver(objectCreated('shop/web/release-1.zip', { 'version-id': 'v-111' }));
    expect(result.started).toBe(true);
    const deploymentId = result.started ? result.deploymentId : '';
    expect(isDeploymentId(deploymentId)).toBe(true);
    expect(executions.started).toEqual([
      {
        flow: { computePlatform: 'Server', deploymentType: 'IN_PLACE' },
        request: {
          deploymentId,
          applicationName: 'shop',
          deploymentGroupName: 'web',
          revision: {
            revisionType: 'S3',
            s3Location: {
              bucket: BUCKET,
              key: 'shop/web/release-1.zip',
              bundleType: 'zip',
              version: 'v-111',
              eTag: '4af981f98d22a0b9979da24b259e5e42',
            },
          },
          creator: 'user',
          description: `Started by the upload of s3://${BUCKET}/shop/web/release-1.zip.`,
        },
      },
    ]);
  });

  it('starts a Lambda deployment from an AppSpec file on the Lambda group', async () => {
    const result = await deliver(objectCreated('shop/api/appspec.yaml'));
    expect(result.started).toBe(true);
    expect(executions.started[0]?.flow).toEqual({ computePlatform: 'Lambda', deploymentType: 'BLUE_GREEN' });
    expect(executions.started[0]?.request.revision.s3Location).toMatchObject({ bundleType: 'YAML' });
    // An unversioned bucket: no version is pinned, the ETag still is.
    expect(executions.started[0]?.request.revision.s3Location?.version).toBeUndefined();
  });

  it('names one deployment per object version: a redelivered event starts nothing new', async () => {
    const event = objectCreated('shop/web/release-1.zip', { 'version-id': 'v-111' });
    const first = await deliver(event);
    // Delivered again while the execution runs, before Prepare recorded the deployment.
    expect(await deliver(event)).toEqual(first);
    expect(executions.started).toHaveLength(1);
    // ... and after Prepare recorded it: the record answers, StartExecution is not even asked.
    const deploymentId = first.started ? first.deploymentId : '';
    await db.store.createDeployment({
      deploymentId,
      applicationName: 'shop',
      deploymentGroupName: 'web',
      computePlatform: 'Server',
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      status: 'InProgress',
      creator: 'user',
      revision: executions.started[0]?.request.revision ?? { revisionType: 'S3' },
      createTime: '2025-03-01T12:00:01.000Z',
    });
    expect(await deliver(event)).toEqual({
      started: false,
      deploymentId,
      reason: `The upload of s3://${BUCKET}/shop/web/release-1.zip started the deployment ${deploymentId} already (InProgress).`,
    });
    // A new version of the same key is a new deployment.
    const next = await deliver(objectCreated('shop/web/release-1.zip', { 'version-id': 'v-222' }));
    expect(next.started).toBe(true);
    expect(next.started && next.deploymentId).not.toBe(deploymentId);
  });

  it('an upload whose execution closed without a record (a busy group) is reported as handled, not thrown', async () => {
    const event = objectCreated('shop/web/release-1.zip', { 'version-id': 'v-333' });
    const first = await deliver(event);
    const deploymentId = first.started ? first.deploymentId : '';
    executions.closed.add(deploymentId);
    expect(await deliver(event)).toEqual({
      started: false,
      deploymentId,
      reason: `The upload of s3://${BUCKET}/shop/web/release-1.zip was handled already: the execution ${deploymentId} exists and has ended.`,
    });
  });

  it('in an unversioned bucket, each upload of one key is a new deployment (the sequencer differs)', async () => {
    const a = await deliver(objectCreated('shop/web/app.tgz', { sequencer: '0064D3901D00059242' }));
    const b = await deliver(objectCreated('shop/web/app.tgz', { sequencer: '0064D3901D00059299' }));
    expect(a.started && b.started && a.deploymentId !== b.deploymentId).toBe(true);
  });

  it('decodes the URL-encoded key of the event [unverified for EventBridge: decoding is the safer reading]', async () => {
    const result = await deliver(objectCreated('shop/web/release+1%2B2.tar.gz'));
    expect(result.started).toBe(true);
    expect(executions.started[0]?.request.revision.s3Location).toMatchObject({
      key: 'shop/web/release 1+2.tar.gz',
      bundleType: 'tgz',
    });
  });

  it.each([
    [
      'release.zip',
      `The object s3://${BUCKET}/release.zip is not at <applicationName>/<deploymentGroupName>/<file>; upload a revision under its deployment group's prefix.`,
    ],
    [
      'shop/web/',
      `The object s3://${BUCKET}/shop/web/ is not at <applicationName>/<deploymentGroupName>/<file>; upload a revision under its deployment group's prefix.`,
    ],
    [
      'shop/web/notes.txt',
      `The object s3://${BUCKET}/shop/web/notes.txt has no revision extension: use .zip, .tar, .tgz or .tar.gz for a bundle, .yaml, .yml or .json for an AppSpec file.`,
    ],
    [
      'shop/nope/release.zip',
      `The deployment group nope does not exist for application shop (from the key of s3://${BUCKET}/shop/nope/release.zip).`,
    ],
    [
      'shop/web/appspec.yml',
      `The object s3://${BUCKET}/shop/web/appspec.yml (YAML) is not a Server revision: a Server revision is a .zip, .tar, .tgz or .tar.gz bundle.`,
    ],
    [
      'shop/api/function.zip',
      `The object s3://${BUCKET}/shop/api/function.zip (zip) is not a Lambda revision: a Lambda revision is its AppSpec file, .yaml, .yml or .json.`,
    ],
  ])('starts nothing for %s, and says why', async (key, reason) => {
    expect(await deliver(objectCreated(key))).toEqual({ started: false, reason });
    expect(executions.started).toEqual([]);
  });

  it('reads the bundle type from the extension, case-insensitively', () => {
    expect(
      ['a.zip', 'a.TAR', 'a.tgz', 'a.tar.gz', 'a.yaml', 'a.yml', 'a.JSON', 'a.gz', 'a.zip.txt', 'zip'].map(
        bundleTypeOf,
      ),
    ).toEqual(['zip', 'tar', 'tgz', 'tgz', 'YAML', 'YAML', 'JSON', undefined, undefined, undefined]);
  });
});
