/**
 * Follows a deployment through the service until it ends (and its automatic rollback, when one
 * follows), drawing its hosts by lifecycle events: live on a terminal, one line per change otherwise,
 * nothing with --json.
 */
import type { CodeDeployService } from '../../functions/adapters/aws/codedeploy-service.js';
import { isTerminalDeploymentStatus } from '../../functions/domain/status.js';
import type { DeploymentRecord } from '../../functions/ports/records.js';
import { ROLLBACK_PENDING } from '../../functions/steps/rollback.js';
import {
  deploymentView,
  renderFailures,
  renderProgress,
  waitHint,
  type DeploymentView,
} from '../deployment-view.js';
import { readDeployment } from './service-records.js';

/** How long an ended deployment may take to name the rollback deployment it announced. */
const ROLLBACK_START_MS = 30_000;

/** It ended, and (in place) the rollback deployment it announced has its id. */
function settled(record: DeploymentRecord, endedAt: number): boolean {
  if (!isTerminalDeploymentStatus(record.status)) return false;
  const rollback = record.rollbackInfo;
  const announced = rollback?.rollbackMessage?.startsWith(ROLLBACK_PENDING) === true;
  return (
    !announced || rollback?.rollbackDeploymentId !== undefined || Date.now() - endedAt > ROLLBACK_START_MS
  );
}

export interface FollowOptions {
  /** Redraw the hosts-by-events table while it runs (a terminal); otherwise one line per change. */
  live: boolean;
  quiet?: boolean;
  /** Between two reads of the deployment. */
  pollMs?: number;
}

export async function currentView(service: CodeDeployService, deploymentId: string): Promise<DeploymentView> {
  const { record, targets } = await readDeployment(service, deploymentId);
  return deploymentView(record, targets);
}

async function current(service: CodeDeployService, deploymentId: string) {
  const { record, targets } = await readDeployment(service, deploymentId);
  return { record, view: deploymentView(record, targets) };
}

/** Follows the deployment, then its rollback if one was started; the deployment's final view. */
export async function followDeployment(
  service: CodeDeployService,
  deploymentId: string,
  options: FollowOptions,
): Promise<DeploymentView> {
  const view = await follow(service, deploymentId, options, `Deployment ${deploymentId}`);
  if (view.rollbackDeploymentId) {
    await follow(service, view.rollbackDeploymentId, options, `Rollback ${view.rollbackDeploymentId}`);
    return currentView(service, deploymentId);
  }
  return view;
}

async function follow(
  service: CodeDeployService,
  deploymentId: string,
  options: FollowOptions,
  title: string,
): Promise<DeploymentView> {
  const logUpdate = options.live ? await liveOutput() : undefined;
  let lastLine = '';
  let endedAt: number | undefined;
  let { record, view } = await current(service, deploymentId);
  for (;;) {
    if (isTerminalDeploymentStatus(record.status)) endedAt ??= Date.now();
    // A failed deployment that rolls back names its rollback deployment just after it ends.
    const ended = endedAt !== undefined && settled(record, endedAt);
    if (!options.quiet) {
      if (logUpdate) logUpdate(renderProgress(view, title, terminalColumns()));
      else {
        const line = summaryLine(view, title);
        if (line !== lastLine) console.error(line);
        lastLine = line;
      }
    }
    if (ended) break;
    // Nothing is drawn when quiet (--json, the harness): read more often, end sooner.
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? (options.quiet ? 100 : 250)));
    ({ record, view } = await current(service, deploymentId));
  }
  if (!options.quiet) {
    logUpdate?.done();
    if (view.status !== 'Succeeded') console.error(renderFailures(view));
  }
  return view;
}

/** The terminal's width; one that reports 0 columns (some CI consoles) gets the classic 80. */
function terminalColumns(): number {
  return process.stdout.columns || 80;
}

/**
 * log-update on standard output, seen through a terminal that never reports 0 rows or columns: with
 * 0 rows log-update prints nothing at all, with 0 columns it wraps every character.
 */
export async function liveOutput() {
  const { createLogUpdate } = await import('log-update');
  const terminal = {
    isTTY: process.stdout.isTTY,
    get columns() {
      return terminalColumns();
    },
    get rows() {
      return process.stdout.rows || 24;
    },
    write: (text: string) => process.stdout.write(text),
  };
  return createLogUpdate(terminal as unknown as NodeJS.WriteStream);
}

/** One line per change when there is no terminal to redraw (CI logs). */
function summaryLine(view: DeploymentView, title: string): string {
  const hosts = view.instances
    .map((instance) => {
      const running = instance.events.find((event) => event.status === 'InProgress');
      return `${instance.id}=${running ? running.name : instance.status}`;
    })
    .join(' ');
  const hint = waitHint(view);
  return `${title}: ${view.status} ${hosts}${hint ? `\n${hint}` : ''}`;
}
