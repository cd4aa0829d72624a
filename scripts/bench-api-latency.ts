/**
 * The local API's latency while a deployment's Prepare validates a huge AppSpec (issue 13, point 2):
 * a server on this machine, a Server revision whose appspec.yml has tens of thousands of keys (about
 * 1.3 MB), and meanwhile a client calling ListApplications back to back. Once with the validation
 * on the server's main thread (as before: `in-process`), once on its worker thread (as now), each
 * figure over the whole deployment (set-up, upload, Prepare, its end). Then the same for a small
 * revision's deployment that is the server's first (its flow's state machine validated and built
 * meanwhile: on the main thread as before, or on the worker thread as now), each in a new process
 * since a process builds a definition once.
 *
 *   npx tsx scripts/bench-api-latency.ts [keys]      (or: npm run bench:api-latency)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runDeployment } from '../cli/commands/deploy.js';
import type { ServiceConnection } from '../cli/service.js';
import { codeDeployService } from '../functions/adapters/aws/codedeploy-service.js';
import { RevisionUploads } from '../functions/adapters/aws/revision-uploads.js';
import { IN_PROCESS_APPSPEC_VALIDATOR } from '../functions/steps/deps.js';
import { definitionErrors } from '../local/engine/definition-validation.js';
import { stopHostProcesses } from '../local/hosts/processes.js';
import { callCodeDeployApi } from '../local/server/api-client.js';
import { startLocalServer } from '../local/server/server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// About 1 MB: the largest appspec.yml a revision may hold is 1 MiB.
const keys = Number(process.argv[2] ?? 34_000);
/** `--first in-process|worker thread`: only the first deployment's figures, as one JSON line. */
const firstOnly =
  process.argv.indexOf('--first') === -1 ? undefined : process.argv[process.argv.indexOf('--first') + 1];

function hugeRevision(dir: string): { bytes: number } {
  mkdirSync(dir, { recursive: true });
  const lines = ['version: 0.0', 'os: linux'];
  for (let i = 0; i < keys; i++) lines.push(`unknown_key_${i}: value ${i}`);
  const text = `${lines.join('\n')}\n`;
  writeFileSync(join(dir, 'appspec.yml'), text);
  return { bytes: Buffer.byteLength(text) };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

type Mode = 'in-process' | 'worker thread';

async function measure(mode: Mode, first = false) {
  const work = mkdtempSync(join(tmpdir(), 'stepdeploy-bench-api-'));
  const stateDir = join(work, 'state');
  const server = await startLocalServer({
    stateDir,
    ...(mode === 'in-process'
      ? {
          appSpecs: IN_PROCESS_APPSPEC_VALIDATOR,
          definitions: (definitions) => Promise.resolve(definitions.map(definitionErrors)),
        }
      : {}),
  });
  const credentials = { accessKeyId: server.key.accessKeyId, secretAccessKey: server.key.secretAccessKey };
  const codedeploy = codeDeployService({
    endpoint: server.endpoint,
    region: server.key.region,
    credentials,
    signingName: 'codedeploy',
  });
  const uploads = new RevisionUploads({
    endpoint: server.s3Endpoint,
    region: server.key.region,
    credentials,
  });
  const connection: ServiceConnection = {
    kind: 'own-server',
    codedeploy,
    uploads,
    stateDir: server.stateDir,
    server,
    serverFile: () => server.serverFile(),
    close: async () => undefined,
  };
  const small = join(work, 'small');
  mkdirSync(small);
  writeFileSync(join(small, 'appspec.yml'), 'version: 0.0\nos: linux\n');
  const revision = first ? small : join(work, 'huge');
  const { bytes } = first ? { bytes: 24 } : hugeRevision(revision);
  const deploy = (path: string) =>
    runDeployment(connection, {
      applicationName: 'bench',
      deploymentGroupName: 'bench',
      configName: 'CodeDeployDefault.OneAtATime',
      revisionPath: path,
      hosts: 1,
      loadBalancer: false,
      autoRollback: false,
      live: false,
      quiet: true,
    });
  // A small deployment first: the flow's state machine is built, the host exists, the code is warm.
  if (!first) await deploy(small);

  const latencies: number[] = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const start = performance.now();
      await callCodeDeployApi(server.endpoint, 'ListApplications', {}, server.key);
      latencies.push(performance.now() - start);
    }
  })();
  const started = performance.now();
  const view = await deploy(revision);
  const seconds = (performance.now() - started) / 1000;
  probing = false;
  await probe;
  codedeploy.destroy();
  uploads.destroy();
  await server.close();
  await stopHostProcesses(join(stateDir, 'hosts'), 0);
  rmSync(work, { recursive: true, force: true });

  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    mode,
    bytes,
    status: `${view.status}${view.errorCode ? ` ${view.errorCode}` : ''}`,
    seconds,
    calls: latencies.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
    over100: latencies.filter((ms) => ms > 100).length,
  };
}

type Row = Awaited<ReturnType<typeof measure>>;
const header = `${'validation'.padEnd(14)} ${'appspec'.padStart(9)} ${'deployment'.padEnd(26)} ${'calls'.padStart(6)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'>100 ms'.padStart(8)}`;
const line = (r: Row) =>
  `${r.mode.padEnd(14)} ${`${(r.bytes / 1024 / 1024).toFixed(2)} MB`.padStart(9)} ${`${r.status}, ${r.seconds.toFixed(1)} s`.padEnd(26)} ${String(r.calls).padStart(6)} ${r.p50.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)} ${r.max.toFixed(1).padStart(7)} ${String(r.over100).padStart(8)}`;
const MODES: Mode[] = ['in-process', 'worker thread'];

if (firstOnly) {
  console.log(JSON.stringify(await measure(firstOnly as Mode, true)));
} else {
  console.log(
    `API latency (ListApplications back to back) during a deployment whose appspec.yml has ${keys} keys`,
  );
  console.log(header);
  for (const mode of MODES) console.log(line(await measure(mode)));
  console.log(
    `API latency during a server's first deployment (its flow's state machine validated meanwhile), a new process each`,
  );
  console.log(header);
  for (const mode of MODES) {
    const output = execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, '--first', mode], {
      encoding: 'utf8',
    });
    console.log(line(JSON.parse(output.trim().split('\n').at(-1)!) as Row));
  }
}
