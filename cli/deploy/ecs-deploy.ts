/**
 * `stepdeploy deploy DIR` for an ECS AppSpec, through a local server as a CodeDeploy client: the
 * config checked, the platform's set-up (ecs-platform.ts: the service, created with the revision's
 * task definition on its first deployment, and its group), the AppSpec uploaded to the server's S3
 * endpoint with the registered task definition's ARN in it, CreateDeployment, and the deployment
 * followed to its end. Its view is the issue's JSON: `{ deploymentId, status, errorCode, rolledBack,
 * events, taskSets }` (plus `errorMessage`, `serviceCreated` and `listeners`).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pc from 'picocolors';
import type { CodeDeployService } from '../../functions/adapters/aws/codedeploy-service.js';
import type { ECSTarget } from '../../functions/domain/codedeploy-shapes.js';
import { isTerminalDeploymentStatus } from '../../functions/domain/status.js';
import type { RevisionLocation } from '../../functions/ports/records.js';
import { ROLLBACK_PENDING } from '../../functions/steps/rollback.js';
import { STATUS_SYMBOLS } from '../deployment-view.js';
import { errorName, type ServiceConnection } from '../service.js';
import { checkConfigOnService } from './configs.js';
import { ecsSetUp, localEcsClient, type EcsPlatformOptions, type EcsPlatformSetUp } from './ecs-platform.js';
import { withTaskDefinition } from './ecs-revision.js';
import { CLI_KEY_PREFIX, CLI_REVISION_BUCKET } from './revision-upload.js';

export interface EcsTaskSetView {
  id: string;
  taskDefinition: string;
  /** The task set serving before the deployment, or the one it created (on creation: the only one). */
  role: 'original' | 'replacement';
  status: string;
  runningCount: number;
  /** Percent of the production listener's traffic. */
  productionWeight: number;
  /** Percent of the test listener's traffic; null without a test listener. */
  testWeight: number | null;
}

export interface EcsDeploymentView {
  /** null when the deployment created the service (no deployment runs then). */
  deploymentId: string | null;
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
  rolledBack: boolean;
  events: Array<{ name: string; status: string; durationMs: number | null; message: string | null }>;
  taskSets: EcsTaskSetView[];
  serviceCreated: boolean;
  listeners: { production: string; test?: string };
}

export interface RunEcsDeploymentInput extends Omit<EcsPlatformOptions, 'configName'> {
  configName: string;
  /** Redraw the events while it runs (a terminal); otherwise one line per change; nothing when quiet. */
  live: boolean;
  quiet?: boolean;
  /** Told once the service is ready (created or found), with its listeners. */
  onService?(setUp: EcsPlatformSetUp): void;
  onStarted?(deploymentId: string): void;
  /** Told every time the follow reads the deployment (the demo counts traffic per step with it). */
  onProgress?(target: ECSTarget | undefined, status: string): void;
}

export async function runEcsDeployment(
  connection: ServiceConnection,
  input: RunEcsDeploymentInput,
): Promise<EcsDeploymentView> {
  const service = connection.codedeploy;
  const config = await checkConfigOnService(service, input.configName, 'ECS');
  const { configName: _given, live: _live, quiet: _quiet, onService, onStarted, onProgress, ...rest } = input;
  const ready = await ecsSetUp(connection, {
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    configName: config.deploymentConfigName,
    autoRollback: input.autoRollback,
    ...(input.alarm5xxRatePercent !== undefined ? { alarm5xxRatePercent: input.alarm5xxRatePercent } : {}),
    ecs: rest,
  });
  const setUp = ready.ecs!;
  onService?.(setUp);
  const local = localEcsClient(connection);
  if (setUp.created) {
    const described = await local.describeService({
      clusterName: setUp.clusterName,
      serviceName: setUp.serviceName,
    });
    return {
      deploymentId: null,
      status: 'Succeeded',
      errorCode: null,
      errorMessage: null,
      rolledBack: false,
      events: [],
      taskSets: described.taskSets.map((taskSet) => taskSetView(taskSet, 'replacement', described.listeners)),
      serviceCreated: true,
      listeners: described.listeners,
    };
  }
  const revision = await uploadAppSpec(connection, {
    text: withTaskDefinition(input.revision.text, setUp.taskDefinitionArn),
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
  });
  const { deploymentId } = await service.send('CreateDeployment', {
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    deploymentConfigName: config.deploymentConfigName,
    revision,
  });
  if (!deploymentId) throw new Error('CreateDeployment answered without a deployment id.');
  onStarted?.(deploymentId);
  const followed = await followEcsDeployment(service, deploymentId, {
    live: input.live,
    ...(input.quiet ? { quiet: true } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  const described = await local.describeService({
    clusterName: setUp.clusterName,
    serviceName: setUp.serviceName,
  });
  const labels = new Map(
    (followed.target?.taskSetsInfo ?? []).map((taskSet) => [taskSet.identifer, taskSet.taskSetLabel]),
  );
  return {
    ...followed.view,
    taskSets: described.taskSets.map((taskSet) =>
      taskSetView(
        taskSet,
        labels.get(taskSet.id) === 'Green' ? 'replacement' : 'original',
        described.listeners,
      ),
    ),
    serviceCreated: false,
    listeners: described.listeners,
  };
}

function taskSetView(
  taskSet: {
    id: string;
    taskDefinition: string;
    status: string;
    runningCount: number;
    productionWeight: number;
    testWeight?: number;
  },
  role: EcsTaskSetView['role'],
  listeners: { test?: string },
): EcsTaskSetView {
  return {
    id: taskSet.id,
    taskDefinition: taskSet.taskDefinition,
    role,
    status: taskSet.status,
    runningCount: taskSet.runningCount,
    productionWeight: taskSet.productionWeight,
    testWeight: listeners.test === undefined ? null : (taskSet.testWeight ?? 0),
  };
}

/** The AppSpec as an S3 revision of the server's own bucket, keyed by its content (uploaded once). */
async function uploadAppSpec(
  connection: ServiceConnection,
  input: { text: string; applicationName: string; deploymentGroupName: string },
): Promise<RevisionLocation> {
  const digest = createHash('sha256').update(input.text, 'utf8').digest('hex').slice(0, 32);
  const key = `${CLI_KEY_PREFIX}/${input.applicationName}/${input.deploymentGroupName}/${digest}.yaml`;
  await connection.uploads.ensureBucket(CLI_REVISION_BUCKET);
  let eTag = await connection.uploads.eTagOf(CLI_REVISION_BUCKET, key);
  if (eTag === undefined) {
    const work = mkdtempSync(join(tmpdir(), 'stepdeploy-appspec-'));
    try {
      const file = join(work, 'appspec.yaml');
      writeFileSync(file, input.text);
      eTag = await connection.uploads.upload(CLI_REVISION_BUCKET, key, file);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return {
    revisionType: 'S3',
    s3Location: { bucket: CLI_REVISION_BUCKET, key, bundleType: 'YAML', ...(eTag ? { eTag } : {}) },
  };
}

interface Followed {
  view: Omit<EcsDeploymentView, 'taskSets' | 'serviceCreated' | 'listeners'>;
  target: ECSTarget | undefined;
}

async function readEcsDeployment(service: CodeDeployService, deploymentId: string): Promise<Followed> {
  const { deploymentInfo: info } = await service.send('GetDeployment', { deploymentId });
  let target: ECSTarget | undefined;
  const status = info?.status ?? 'Created';
  // Until Prepare has found the service there is no target (CodeDeploy: DeploymentNotStartedException).
  if (status !== 'Created' && status !== 'Queued') {
    const { targetIds } = await service
      .send('ListDeploymentTargets', { deploymentId })
      .catch((error: unknown) => {
        if (errorName(error) === 'DeploymentNotStartedException') return { targetIds: [] };
        throw error;
      });
    if (targetIds?.length) {
      const { deploymentTargets } = await service.send('BatchGetDeploymentTargets', {
        deploymentId,
        targetIds: targetIds.slice(0, 1),
      });
      target = deploymentTargets?.[0]?.ecsTarget;
    }
  }
  const rollbackMessage = info?.rollbackInfo?.rollbackMessage;
  return {
    target,
    view: {
      deploymentId,
      status,
      errorCode: info?.errorInformation?.code ?? null,
      errorMessage: info?.errorInformation?.message ?? null,
      // An ECS deployment rolls back within itself: its listeners back on the original, the replacement gone.
      rolledBack:
        status !== 'Succeeded' &&
        rollbackMessage !== undefined &&
        !rollbackMessage.startsWith(ROLLBACK_PENDING),
      events: (target?.lifecycleEvents ?? []).map((event) => ({
        name: event.lifecycleEventName ?? '',
        status: event.status ?? 'Unknown',
        durationMs:
          event.startTime !== undefined && event.endTime !== undefined
            ? Math.round((event.endTime - event.startTime) * 1000)
            : null,
        message: event.diagnostics?.message ?? null,
      })),
    },
  };
}

async function followEcsDeployment(
  service: CodeDeployService,
  deploymentId: string,
  options: { live: boolean; quiet?: boolean; onProgress?: RunEcsDeploymentInput['onProgress'] },
): Promise<Followed> {
  // log-update as the Server view uses it: on a terminal that may report 0 rows or columns.
  const logUpdate =
    options.live && !options.quiet ? await (await import('./follow.js')).liveOutput() : undefined;
  let last = '';
  for (;;) {
    const current = await readEcsDeployment(service, deploymentId);
    options.onProgress?.(current.target, current.view.status);
    if (!options.quiet) {
      if (logUpdate) logUpdate(renderEcsProgress(current));
      else {
        const line = summaryLine(current);
        if (line !== last) console.error(line);
        last = line;
      }
    }
    if (isTerminalDeploymentStatus(current.view.status as Parameters<typeof isTerminalDeploymentStatus>[0])) {
      logUpdate?.done();
      if (!options.quiet && current.view.status !== 'Succeeded') console.error(renderEcsFailure(current));
      return current;
    }
    await new Promise((resolve) => setTimeout(resolve, options.quiet ? 100 : 250));
  }
}

/** The replacement's share of production (and test) traffic, as the target reports it. */
function weights(target: ECSTarget | undefined): string {
  const green = target?.taskSetsInfo?.find((taskSet) => taskSet.taskSetLabel === 'Green');
  return green ? `replacement ${green.trafficWeight ?? 0}% of production` : 'no replacement task set';
}

export function renderEcsProgress({ view, target }: Followed): string {
  const lines = [`Deployment ${view.deploymentId}: ${view.status}, ${weights(target)}`];
  for (const event of view.events) {
    const duration = event.durationMs !== null ? pc.dim(` ${(event.durationMs / 1000).toFixed(1)} s`) : '';
    lines.push(`  ${STATUS_SYMBOLS[event.status] ?? '?'} ${event.name}${duration}`);
  }
  return lines.join('\n');
}

function summaryLine({ view, target }: Followed): string {
  const running = view.events.find((event) => event.status === 'InProgress');
  return `Deployment ${view.deploymentId}: ${view.status}${running ? ` ${running.name}` : ''}, ${weights(target)}`;
}

function renderEcsFailure({ view }: Followed): string {
  const failed = view.events.find((event) => event.status === 'Failed');
  const where = failed ? ` at ${failed.name}` : '';
  const rolled = view.rolledBack ? '; rolled back: the listeners forward to the original task set only' : '';
  return pc.red(`${view.status}${where}: ${view.errorCode ?? ''} ${view.errorMessage ?? ''}`.trim()) + rolled;
}

/** What a terminal is told once the deployment (or the service's creation) is over. */
export function printEcsOutcome(view: EcsDeploymentView, serviceName: string): void {
  const serving = view.taskSets
    .filter((taskSet) => taskSet.productionWeight > 0)
    .map((taskSet) => `${label(taskSet.taskDefinition)} (${taskSet.role}, ${taskSet.productionWeight}%)`)
    .join(', ');
  if (view.serviceCreated) {
    console.error(pc.green(`Service ${serviceName} created: ${serving || 'nothing'} serves production.`));
    return;
  }
  const colour = view.status === 'Succeeded' ? pc.green : pc.red;
  console.error(
    colour(`Deployment ${view.deploymentId} ${view.status}: ${serviceName} serves ${serving || 'nothing'}.`),
  );
}

function label(taskDefinitionArn: string): string {
  return taskDefinitionArn.replace(/^arn:[^:]+:ecs:[^:]*:[^:]*:task-definition\//, '');
}
