import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderFailures, renderProgress, type DeploymentView } from '../../cli/deployment-view.js';
import { stopHostProcesses } from '../../local/hosts/processes.js';
import { tempDir } from '../domain/instance-scripts/harness.js';
import { EVENTS_WITH_LB } from '../local/flows/server-harness.js';
import { repoRoot } from './run-cli.js';

function view(hosts: number, eventStatus: (host: number, index: number) => string): DeploymentView {
  return {
    deploymentId: 'd-VIEW00001',
    status: 'InProgress',
    deploymentType: 'IN_PLACE',
    errorCode: null,
    errorMessage: null,
    rollbackDeploymentId: null,
    instances: Array.from({ length: hosts }, (_, h) => ({
      id: `host-${String(h + 1)}`,
      status: 'InProgress',
      events: EVENTS_WITH_LB.map((name, i) => ({
        name,
        status: eventStatus(h, i),
        durationMs: null,
        errorCode: null,
        message: null,
        logTail: null,
      })),
    })),
  };
}

const widths = (text: string) =>
  stripVTControlCharacters(text)
    .split('\n')
    .map((line) => line.length);

describe('the live table', () => {
  const title =
    'Deployment d-VIEW00001 (a-rather-long-application-name/a-rather-long-deployment-group, CodeDeployDefault.HalfAtATime)';

  it('fits 80 columns with all 13 events of a load-balanced deployment and 100 hosts', () => {
    const text = renderProgress(
      view(100, (_h, i) => (i < 5 ? 'Succeeded' : 'InProgress')),
      title,
    );
    expect(Math.max(...widths(text))).toBeLessThanOrEqual(80);
    const lines = stripVTControlCharacters(text).split('\n');
    expect(lines[1]?.split(/\s+/)).toEqual([
      'host',
      'BBT',
      'BT',
      'ABT',
      'Stp',
      'Dl',
      'BI',
      'Ins',
      'AI',
      'Sta',
      'Val',
      'BAT',
      'AT',
      'AAT',
      'status',
    ]);
    expect(lines).toHaveLength(102);
    expect(lines[101]).toMatch(/^host-100 /);
    expect(lines[0]).toMatch(/…: InProgress$/);
  });

  it('uses 80 columns when the terminal reports 0, and follows a narrower one for the title', () => {
    const v = view(2, () => 'Pending');
    expect(Math.max(...widths(renderProgress(v, title, 0)))).toBeLessThanOrEqual(80);
    expect(stripVTControlCharacters(renderProgress(v, title, 0)).split('\n')).toHaveLength(4);
    expect(widths(renderProgress(v, title, 60))[0]).toBeLessThanOrEqual(60);
  });

  it('never prints an event failure without a message', () => {
    const failed = view(1, (_h, i) => (i === 0 ? 'Failed' : 'Skipped'));
    const text = renderFailures(failed);
    expect(text).toContain(
      'host-1 BeforeBlockTraffic: UnknownError: no diagnostics were recorded for this event',
    );
    expect(text).not.toMatch(/UnknownError: $/m);
  });
});

/** util-linux `script` gives the command a pseudo-terminal whose size `stty` can set to 0 x 0. */
const hasScript = (() => {
  try {
    return execFileSync('script', ['--version'], { encoding: 'utf8' }).includes('util-linux');
  } catch {
    return false;
  }
})();

describe('deploy on a terminal that reports 0 rows and 0 columns', () => {
  if (!hasScript) {
    it("needs util-linux's `script` for a pseudo-terminal; this machine has none, so the terminal case did not run", () => {
      expect(hasScript).toBe(false);
    });
    return;
  }

  it('still draws the table, each line within 80 columns', async () => {
    const stateDir = join(tempDir('sd-tty-'), 'state');
    const command = `stty rows 0 cols 0; exec node bin/stepdeploy.js deploy examples/webapp --state-dir '${stateDir}'`;
    try {
      const result = spawnSync('script', ['-qec', command, '/dev/null'], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' },
        timeout: 120_000,
      });
      expect(result.status).toBe(0);
      // What a terminal would show last: the output after the final redraw, control sequences dropped.
      const text = stripVTControlCharacters(result.stdout).replace(/\r/g, '');
      expect(text).toMatch(/Deployment d-[A-Z0-9]{9}: Succeeded/);
      expect(text).toMatch(/^host-1 +(✔ +){7}Succeeded/m);
      expect(Math.max(...text.split('\n').map((line) => line.length))).toBeLessThanOrEqual(80);
    } finally {
      await stopHostProcesses(join(stateDir, 'hosts'), 0);
    }
  });
});
