/**
 * Prints how long `stepdeploy server` takes from start to its first answers: a signed
 * ListApplications and a signed S3 ListBuckets. Measured in this process (startLocalServer, 5 times)
 * and as a separate process (the compiled `stepdeploy server` spawned, until both answer, 3 times).
 *
 *   npx tsx scripts/bench-control-plane-start.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { get } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { callCodeDeployApi } from '../local/server/api-client.js';
import { startLocalServer } from '../local/server/server.js';
import type { ServerFile } from '../local/server/server-file.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** S3 ListBuckets, signed as the SDKs sign it (scripts may not import @aws-sdk/*). */
async function listBuckets(
  file: Pick<ServerFile, 's3Endpoint' | 'accessKeyId' | 'secretAccessKey' | 'region'>,
): Promise<void> {
  const url = new URL(file.s3Endpoint);
  const signer = new SignatureV4({
    credentials: { accessKeyId: file.accessKeyId, secretAccessKey: file.secretAccessKey },
    region: file.region,
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host },
    }),
  );
  await new Promise<void>((resolve, reject) => {
    get({ hostname: url.hostname, port: url.port, path: '/', headers: signed.headers }, (response) => {
      response.resume();
      response.on('end', () =>
        response.statusCode === 200 ? resolve() : reject(new Error(`S3 answered ${response.statusCode}`)),
      );
    }).on('error', reject);
  });
}

async function firstAnswers(
  file: Pick<ServerFile, 'endpoint' | 's3Endpoint' | 'accessKeyId' | 'secretAccessKey' | 'region'>,
): Promise<void> {
  await Promise.all([callCodeDeployApi(file.endpoint, 'ListApplications', {}, file), listBuckets(file)]);
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `min ${sorted[0]!.toFixed(0)} ms, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`;
};

const inProcess: number[] = [];
for (let run = 0; run < 5; run++) {
  const stateDir = mkdtempSync(join(tmpdir(), 'stepdeploy-bench-cp-'));
  const start = performance.now();
  const server = await startLocalServer({ stateDir });
  await firstAnswers(server.serverFile());
  inProcess.push(performance.now() - start);
  await server.close();
  rmSync(stateDir, { recursive: true, force: true });
}

const spawned: number[] = [];
for (let run = 0; run < 3; run++) {
  const stateDir = mkdtempSync(join(tmpdir(), 'stepdeploy-bench-cp-'));
  const start = performance.now();
  // The compiled CLI, as a user runs it (npm ci builds dist/).
  const child = spawn(process.execPath, ['bin/stepdeploy.js', 'server', '--state-dir', stateDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (output.split('\n').length < 6) {
    if (child.exitCode !== null) throw new Error('The server exited before it was ready');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await firstAnswers(JSON.parse(readFileSync(join(stateDir, 'server.json'), 'utf8')) as ServerFile);
  spawned.push(performance.now() - start);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(stateDir, { recursive: true, force: true });
}

console.log(
  'Control plane, start to the first signed answers of the API (ListApplications) and S3 (ListBuckets):',
);
console.log(`  in process, startLocalServer (records, engine, listeners) (5 runs): ${stats(inProcess)}`);
console.log(`  a new process, \`stepdeploy server\` (3 runs):                     ${stats(spawned)}`);
