import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadOrCreateServerKey,
  serverFilePath,
  shellExports,
  updateServerListeners,
  updateServerLoadBalancers,
  writeServerFile,
} from '../../../local/server/server-file.js';

const dirs: string[] = [];
const stateDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'stepdeploy-key-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the server key in <state-dir>/server.json', () => {
  it('is generated once per state directory, mode 0600, and kept', () => {
    const dir = stateDir();
    const key = loadOrCreateServerKey(dir);
    expect(key.accessKeyId).toMatch(/^SDLK[A-Z2-7]{16}$/);
    expect(key.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(statSync(serverFilePath(dir)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateServerKey(dir)).toEqual(key);
    expect(loadOrCreateServerKey(stateDir()).accessKeyId).not.toBe(key.accessKeyId);
  });

  it("holds the issue's members, keeps them current, and tightens a loosened mode", () => {
    const dir = stateDir();
    const key = loadOrCreateServerKey(dir, 'eu-west-1');
    writeServerFile(dir, {
      ...key,
      endpoint: 'http://127.0.0.1:1',
      s3Endpoint: 'http://127.0.0.1:2',
      pid: 42,
      loadBalancers: {},
      listeners: {},
    });
    updateServerLoadBalancers(dir, { web: 'http://127.0.0.1:3' });
    updateServerListeners(dir, { shop: { production: 'http://127.0.0.1:4', test: 'http://127.0.0.1:5' } });
    const file = JSON.parse(readFileSync(serverFilePath(dir), 'utf8')) as Record<string, unknown>;
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
    expect(file).toMatchObject({
      region: 'eu-west-1',
      pid: 42,
      loadBalancers: { web: 'http://127.0.0.1:3' },
      listeners: { shop: { production: 'http://127.0.0.1:4', test: 'http://127.0.0.1:5' } },
    });
    expect(statSync(serverFilePath(dir)).mode & 0o777).toBe(0o600);
    chmodSync(serverFilePath(dir), 0o644);
    loadOrCreateServerKey(dir);
    expect(statSync(serverFilePath(dir)).mode & 0o777).toBe(0o600);
  });

  it('prints export lines a POSIX shell evaluates to the exact values', () => {
    const file = {
      accessKeyId: 'SDLKAAAAAAAAAAAAAAAA',
      secretAccessKey: "it's/a+secret",
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:1111',
      s3Endpoint: 'http://127.0.0.1:2222',
    };
    const script = join(stateDir(), 'env.sh');
    writeFileSync(script, `${shellExports(file)}env | grep -E '^AWS_' | sort\n`);
    expect(execFileSync('sh', [script], { encoding: 'utf8', env: {} }).trim().split('\n')).toEqual([
      'AWS_ACCESS_KEY_ID=SDLKAAAAAAAAAAAAAAAA',
      'AWS_DEFAULT_REGION=us-east-1',
      'AWS_ENDPOINT_URL_CODEDEPLOY=http://127.0.0.1:1111',
      'AWS_ENDPOINT_URL_S3=http://127.0.0.1:2222',
      "AWS_SECRET_ACCESS_KEY=it's/a+secret",
    ]);
  });
});
