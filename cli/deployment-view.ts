import pc from 'picocolors';
import type { DeploymentRecord, InstanceTargetRecord } from '../functions/ports/records.js';

/** The JSON `deploy --json` and `status --json` print; users' scripts read these field names. */
export interface DeploymentView {
  deploymentId: string;
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
  rollbackDeploymentId: string | null;
  instances: Array<{
    id: string;
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
    errorCode: record.errorInformation?.code ?? null,
    errorMessage: record.errorInformation?.message ?? null,
    rollbackDeploymentId: record.rollbackInfo?.rollbackDeploymentId ?? null,
    instances: [...targets]
      .sort((a, b) => a.targetId.localeCompare(b.targetId, 'en', { numeric: true }))
      .map((target) => ({
        id: target.targetId,
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

const SYMBOLS: Record<string, string> = {
  Pending: pc.dim('·'),
  InProgress: pc.cyan('▸'),
  Succeeded: pc.green('✔'),
  Failed: pc.red('✖'),
  Skipped: pc.dim('-'),
};

const SHORT_NAMES: Record<string, string> = {
  BeforeBlockTraffic: 'BBT',
  BlockTraffic: 'BT',
  AfterBlockTraffic: 'ABT',
  ApplicationStop: 'Stop',
  DownloadBundle: 'Dl',
  BeforeInstall: 'BI',
  Install: 'Inst',
  AfterInstall: 'AI',
  ApplicationStart: 'Start',
  ValidateService: 'Val',
  BeforeAllowTraffic: 'BAT',
  AllowTraffic: 'AT',
  AfterAllowTraffic: 'AAT',
};

function statusText(status: string): string {
  if (status === 'Succeeded') return pc.green(status);
  if (status === 'Failed' || status === 'Stopped') return pc.red(status);
  if (status === 'InProgress') return pc.cyan(status);
  return status;
}

/** Hosts by lifecycle events, one symbol per event: the live progress of a Server deployment. */
export function renderProgress(view: DeploymentView, title: string): string {
  const events = view.instances[0]?.events.map((event) => event.name) ?? [];
  const header = `${'host'.padEnd(10)} ${events.map((name) => (SHORT_NAMES[name] ?? name).padEnd(5)).join(' ')}  status`;
  const rows = view.instances.map((instance) => {
    const cells = instance.events.map((event) => `${SYMBOLS[event.status] ?? '?'}    `).join(' ');
    return `${instance.id.padEnd(10)} ${cells}  ${statusText(instance.status)}`;
  });
  return [`${title}: ${statusText(view.status)}`, pc.dim(header), ...rows].join('\n');
}

/** What went wrong, per failed event, with CodeDeploy's diagnostics and the log tail. */
export function renderFailures(view: DeploymentView): string {
  const lines: string[] = [];
  if (view.errorCode) lines.push(`${pc.red(view.errorCode)}: ${view.errorMessage ?? ''}`);
  for (const instance of view.instances) {
    for (const event of instance.events) {
      if (event.status !== 'Failed') continue;
      lines.push(
        `${instance.id} ${event.name}: ${event.errorCode ?? 'UnknownError'}: ${event.message ?? ''}`,
      );
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
