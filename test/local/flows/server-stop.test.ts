/**
 * A stop ends the scripts it interrupts, on real local hosts: StopDeployment fails the parked event,
 * Rollback cancels its command, and the local transport takes the script's process group down, which
 * passes the signal on to the running hook's own group (the hook runs in a session of its own). Nothing
 * of the stopped deployment may run on, least of all next to the rollback deployment that follows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  allWith,
  disposeServerHarnesses,
  eventStatuses,
  openServerHarness,
  stoppedAt,
  type ServerHarness,
} from './server-harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

afterEach(disposeServerHarnesses);

const TIMEOUT = 120_000;
const HOST = 'host-1';
/** Written by the stopped ApplicationStart hook: its own pid and its `sleep` child's. */
const PIDS_FILE = 'start-hook.pids';
/** Written by that hook only if its 30 s sleep ran to the end. */
const FINISHED_FILE = 'start-hook.finished';

/**
 * An ApplicationStart that sleeps 30 s (timeout 60 s), having written both pids first (through a
 * rename, so the test never reads half a file).
 */
const SLEEPING_START = {
  timeout: 60,
  body: [
    'sleep 30 &',
    'child=$!',
    `echo "$$ $child" >"$STEPDEPLOY_HOST_ROOT/${PIDS_FILE}.tmp"`,
    `mv "$STEPDEPLOY_HOST_ROOT/${PIDS_FILE}.tmp" "$STEPDEPLOY_HOST_ROOT/${PIDS_FILE}"`,
    'wait "$child"',
    `echo finished >"$STEPDEPLOY_HOST_ROOT/${FINISHED_FILE}"`,
  ].join('\n'),
};

/**
 * An ApplicationStop that copies /proc/<pid>/stat of the stopped hook's processes as it begins, into
 * `stop-snapshot.<deployment id>`: what was still alive when this deployment's scripts started.
 */
const SNAPSHOTTING_STOP = [
  `snapshot="$STEPDEPLOY_HOST_ROOT/stop-snapshot.$DEPLOYMENT_ID"`,
  ': >"$snapshot"',
  `if [ -f "$STEPDEPLOY_HOST_ROOT/${PIDS_FILE}" ]; then`,
  `  for pid in $(cat "$STEPDEPLOY_HOST_ROOT/${PIDS_FILE}"); do`,
  '    cat "/proc/$pid/stat" >>"$snapshot" 2>/dev/null || true',
  '  done',
  'fi',
].join('\n');

/** A process as /proc/<pid>/stat shows it: state and start time (which tells a reused pid apart). */
interface ProcessIdentity {
  pid: number;
  state: string;
  startTime: string;
}

function parseStat(line: string): ProcessIdentity | undefined {
  // `pid (comm) state ppid ...`: comm may hold spaces, so split after its closing parenthesis.
  const match = /^(\d+) \(.*\) (.*)$/.exec(line.trim());
  if (!match?.[1] || match[2] === undefined) return undefined;
  const fields = match[2].split(' ');
  // Fields after comm start at stat's 3rd (state); starttime is the 22nd.
  const state = fields[0];
  const startTime = fields[19];
  if (state === undefined || startTime === undefined) return undefined;
  return { pid: Number(match[1]), state, startTime };
}

function readStat(pid: number): ProcessIdentity | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Whether `process` still runs. A zombie counts as gone: this sandbox never reaps orphans, so a killed
 * hook stays a zombie here, though it runs nothing. A pid now held by a younger process is gone too.
 */
function stillRuns(process: ProcessIdentity, seen: ProcessIdentity | undefined): boolean {
  return seen !== undefined && seen.startTime === process.startTime && seen.state !== 'Z';
}

/** Waits until the sleeping hook runs on the host, and returns its two processes as they are now. */
async function sleepingHook(harness: ServerHarness): Promise<ProcessIdentity[]> {
  const file = join(harness.host(HOST).root, PIDS_FILE);
  await harness.waitFor('the ApplicationStart hook to record its pids', () => existsSync(file));
  const pids = readFileSync(file, 'utf8').trim().split(' ').map(Number);
  expect(pids).toHaveLength(2);
  const processes = pids.map(readStat);
  for (const process of processes) expect(process?.state).not.toBe('Z');
  return processes.filter((p): p is ProcessIdentity => p !== undefined);
}

async function expectHookEnded(harness: ServerHarness, hook: ProcessIdentity[]): Promise<void> {
  // Bounded far below the 30 s sleep: a hook the stop missed would still be sleeping then.
  await harness.waitFor(
    'the stopped hook processes to end',
    () => hook.every((p) => !stillRuns(p, readStat(p.pid))),
    10_000,
  );
  // Gone before their sleep ended, so the hook can never write its marker.
  expect(existsSync(join(harness.host(HOST).root, FINISHED_FILE))).toBe(false);
}

describe('StopDeployment ends the scripts it interrupts', () => {
  it(
    'without rollback: Stopped with MANUAL_STOP, and the running ApplicationStart hook and its child are ended, not left to finish',
    async () => {
      const harness = await openServerHarness({ hosts: 1 });
      const revision = harness.revision({ name: 'v1', hooks: { ApplicationStart: SLEEPING_START } });
      const { deploymentId, done } = await harness.start(revision);
      const hook = await sleepingHook(harness);
      expect(hook).toHaveLength(2);

      await harness.env.runtime.stopDeployment(deploymentId, { autoRollbackEnabled: false });
      const stopped = await done;

      expect(stopped.view).toMatchObject({
        status: 'Stopped',
        errorCode: 'MANUAL_STOP',
        errorMessage: 'The deployment was stopped by a StopDeployment request.',
        rollbackDeploymentId: null,
      });
      expect(stopped.rollback).toBeUndefined();
      expect(eventStatuses(stopped, HOST)).toEqual(stoppedAt('ApplicationStart'));
      await expectHookEnded(harness, hook);
      // The cancelled command's late completion changes nothing the stop recorded.
      await harness.env.transport.idle();
      const settled = await harness.result(deploymentId);
      expect(settled.record.status).toBe('Stopped');
      expect(eventStatuses(settled, HOST)).toEqual(stoppedAt('ApplicationStart'));
    },
    TIMEOUT,
  );

  it(
    'with rollback: the rollback deployment runs, and no ApplicationStart of the stopped revision still runs when its ApplicationStop begins',
    async () => {
      const harness = await openServerHarness({ hosts: 1 });
      const first = await harness.deploy(
        harness.revision({ name: 'v1', hooks: { ApplicationStop: SNAPSHOTTING_STOP } }),
      );
      expect(first.view.status).toBe('Succeeded');
      const v2 = harness.revision({
        name: 'v2',
        hooks: { ApplicationStop: SNAPSHOTTING_STOP, ApplicationStart: SLEEPING_START },
      });
      const { deploymentId, done } = await harness.start(v2);
      const hook = await sleepingHook(harness);

      await harness.env.runtime.stopDeployment(deploymentId, { autoRollbackEnabled: true });
      const stopped = await done;

      expect(stopped.view).toMatchObject({
        status: 'Stopped',
        errorCode: 'MANUAL_STOP',
        errorMessage: 'The deployment was stopped by a StopDeployment request, with rollback.',
      });
      const rollback = stopped.rollback;
      if (!rollback) throw new Error('no rollback deployment followed');
      const rollbackId = rollback.record.deploymentId;
      expect(rollback.record).toMatchObject({
        status: 'Succeeded',
        creator: 'codeDeployRollback',
        rollbackInfo: { rollbackTriggeringDeploymentId: deploymentId },
      });
      expect(eventStatuses(rollback, HOST)).toEqual(allWith('Succeeded'));
      const rollbackRan = harness
        .events(HOST)
        .filter((e) => e.deploymentId === rollbackId)
        .map((e) => e.event);
      expect(rollbackRan[0]).toBe('ApplicationStop');
      // What the rollback's ApplicationStop saw as it began: neither the hook nor its sleep running.
      const snapshotFile = join(harness.host(HOST).root, `stop-snapshot.${rollbackId}`);
      expect(existsSync(snapshotFile)).toBe(true);
      const seen = readFileSync(snapshotFile, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map(parseStat);
      for (const process of hook) {
        expect(
          stillRuns(
            process,
            seen.find((s) => s?.pid === process.pid),
          ),
        ).toBe(false);
      }
      await expectHookEnded(harness, hook);
    },
    TIMEOUT,
  );
});
