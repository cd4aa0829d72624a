import pc from 'picocolors';
import type { DeploymentRecord, InstanceTargetRecord } from '../functions/ports/records.js';

/** The JSON `deploy --json` and `status --json` print; users' scripts read these field names. */
export interface DeploymentView {
  deploymentId: string;
  status: string;
  /** IN_PLACE or BLUE_GREEN (Server), BLUE_GREEN (Lambda, ECS). */
  deploymentType: string;
  errorCode: string | null;
  errorMessage: string | null;
  rollbackDeploymentId: string | null;
  instances: Array<{
    id: string;
    /** Blue/green: an original (blue) instance or a replacement (green); in place: none. */
    role?: 'original' | 'replacement';
    status: string;
    events: Array<{
      name: string;
      status: string;
      durationMs: number | null;
      errorCode: string | null;
      message: string | null;
      logTail: string | null;
    }>;
  }>;
}

export function deploymentView(record: DeploymentRecord, targets: InstanceTargetRecord[]): DeploymentView {
  return {
    deploymentId: record.deploymentId,
    status: record.status,
    deploymentType:
      record.deploymentStyle?.deploymentType ??
      (record.computePlatform === 'Server' ? 'IN_PLACE' : 'BLUE_GREEN'),
    errorCode: record.errorInformation?.code ?? null,
    errorMessage: record.errorInformation?.message ?? null,
    rollbackDeploymentId: record.rollbackInfo?.rollbackDeploymentId ?? null,
    instances: [...targets]
      .sort((a, b) => a.targetId.localeCompare(b.targetId, 'en', { numeric: true }))
      .map((target) => ({
        id: target.targetId,
        ...(target.instanceLabel
          ? { role: target.instanceLabel === 'Blue' ? ('original' as const) : ('replacement' as const) }
          : {}),
        status: target.status,
        events: target.lifecycleEvents.map((event) => ({
          name: event.lifecycleEventName,
          status: event.status,
          durationMs:
            event.startTime && event.endTime ? Date.parse(event.endTime) - Date.parse(event.startTime) : null,
          errorCode: event.status === 'Failed' ? (event.diagnostics?.errorCode ?? null) : null,
          message: event.status === 'Failed' ? (event.diagnostics?.message ?? null) : null,
          logTail: event.diagnostics?.logTail ? event.diagnostics.logTail : null,
        })),
      })),
  };
}

/** A lifecycle event's status as one character, in the tables and the failure reports. */
export const STATUS_SYMBOLS: Record<string, string> = {
  Pending: pc.dim('·'),
  InProgress: pc.cyan('▸'),
  Succeeded: pc.green('✔'),
  Failed: pc.red('✖'),
  Skipped: pc.dim('-'),
  Ready: pc.green('○'),
};

/** Three letters per event, so that the table of the 13 events fits 80 columns. */
const SHORT_NAMES: Record<string, string> = {
  BeforeBlockTraffic: 'BBT',
  BlockTraffic: 'BT',
  AfterBlockTraffic: 'ABT',
  ApplicationStop: 'Stp',
  DownloadBundle: 'Dl',
  BeforeInstall: 'BI',
  Install: 'Ins',
  AfterInstall: 'AI',
  ApplicationStart: 'Sta',
  ValidateService: 'Val',
  BeforeAllowTraffic: 'BAT',
  AllowTraffic: 'AT',
  AfterAllowTraffic: 'AAT',
};

const CELL = 4;

function statusText(status: string): string {
  if (status === 'Succeeded') return pc.green(status);
  if (status === 'Failed' || status === 'Stopped') return pc.red(status);
  if (status === 'InProgress') return pc.cyan(status);
  return status;
}

/** Plain text cut to `width` characters, with an ellipsis when something was cut. */
function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * Hosts by lifecycle events, one symbol per event: the live progress of a Server deployment. Every
 * line fits `width` columns (80 by default; a terminal that reports 0 columns gets 80): 13 events
 * take 52 columns.
 */
export function renderProgress(view: DeploymentView, title: string, width = 80): string {
  const columns = width > 0 ? width : 80;
  const hostWidth = Math.max(4, ...view.instances.map((instance) => instance.id.length)) + 1;
  // Blue/green: the replacements and the originals run different events, each under its own header.
  const groups = view.instances.some((instance) => instance.role)
    ? [
        { name: 'replacement', rows: view.instances.filter((i) => i.role === 'replacement') },
        { name: 'original', rows: view.instances.filter((i) => i.role !== 'replacement') },
      ].filter((group) => group.rows.length > 0)
    : [{ name: 'host', rows: view.instances }];
  const lines: string[] = [`${fit(title, columns - view.status.length - 2)}: ${statusText(view.status)}`];
  for (const group of groups) {
    const events = group.rows[0]?.events.map((event) => event.name) ?? [];
    const header = `${group.name.padEnd(hostWidth)}${events.map((name) => (SHORT_NAMES[name] ?? name.slice(0, 3)).padEnd(CELL)).join('')} status`;
    lines.push(pc.dim(fit(header, columns)));
    for (const instance of group.rows) {
      const cells = instance.events
        .map((event) => `${STATUS_SYMBOLS[event.status] ?? '?'}${' '.repeat(CELL - 1)}`)
        .join('');
      lines.push(
        `${fit(instance.id, hostWidth - 1).padEnd(hostWidth)}${cells} ${statusText(instance.status)}`,
      );
    }
  }
  const hint = waitHint(view);
  if (hint) lines.push(fit(hint, columns));
  return lines.join('\n');
}

/** What a blue/green deployment parked on a wait is waiting for, and the command that ends it. */
export function waitHint(view: DeploymentView): string | undefined {
  if (view.deploymentType !== 'BLUE_GREEN' || !view.instances.some((i) => i.role)) return undefined;
  if (view.status === 'Ready') {
    return `The replacements are ready: \`stepdeploy continue ${view.deploymentId}\` reroutes the traffic to them.`;
  }
  if (view.status === 'Baking') {
    return `Traffic is on the replacements: \`stepdeploy continue ${view.deploymentId} --termination-wait\` ends the originals now.`;
  }
  return undefined;
}

/** What went wrong, per failed event, with CodeDeploy's diagnostics and the log tail. */
export function renderFailures(view: DeploymentView): string {
  const lines: string[] = [];
  if (view.errorCode) lines.push(`${pc.red(view.errorCode)}: ${view.errorMessage ?? ''}`);
  for (const instance of view.instances) {
    for (const event of instance.events) {
      if (event.status !== 'Failed') continue;
      const message = event.message || 'no diagnostics were recorded for this event';
      lines.push(`${instance.id} ${event.name}: ${event.errorCode ?? 'UnknownError'}: ${message}`);
      if (event.logTail)
        lines.push(
          ...event.logTail
            .trimEnd()
            .split('\n')
            .map((line) => pc.dim(`    ${line}`)),
        );
    }
  }
  return lines.join('\n');
}
