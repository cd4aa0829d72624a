/**
 * GitHub revisions: the commit's tarball (with GitHub's single top directory) is read as the agent
 * reads a bundle, from a server standing in for codeload.github.com; instances get the same URL.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubRevisionSource } from '../../../functions/adapters/bundle/github-revision-source.js';
import type { RevisionLocation } from '../../../functions/ports/records.js';
import { tempDir } from '../../domain/instance-scripts/harness.js';

let server: Server;
let baseUrl: string;
const requested: string[] = [];

beforeAll(async () => {
  const work = tempDir('sd-github-');
  const top = join(work, 'acme-shop-abc123');
  mkdirSync(join(top, 'app'), { recursive: true });
  writeFileSync(join(top, 'appspec.yml'), 'version: 0.0\nos: linux\n');
  writeFileSync(join(top, 'app', 'index.html'), 'hello');
  const tarball = join(work, 'tarball.tgz');
  execFileSync('tar', ['-czf', tarball, '-C', work, 'acme-shop-abc123']);
  const body = readFileSync(tarball);
  server = createServer((request, response) => {
    requested.push(request.url ?? '');
    if (request.url === '/acme/shop/tar.gz/abc123') response.writeHead(200).end(body);
    else response.writeHead(404).end('Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const github = (repository: string, commitId: string): RevisionLocation => ({
  revisionType: 'GitHub',
  gitHubLocation: { repository, commitId },
});

describe('GitHubRevisionSource', () => {
  it("reads the commit's tarball, finding the AppSpec under GitHub's top directory", async () => {
    const source = new GitHubRevisionSource({ baseUrl });
    const bundle = await source.readRevision(github('acme/shop', 'abc123'));
    expect(bundle.appSpecText).toBe('version: 0.0\nos: linux\n');
    expect(bundle.appSpecPath).toBe('acme-shop-abc123/appspec.yml');
    expect(bundle.entries.map((entry) => entry.path)).toContain('acme-shop-abc123/app/index.html');
    expect(await source.bundleLocation(github('acme/shop', 'abc123'))).toEqual({
      location: `${baseUrl}/acme/shop/tar.gz/abc123`,
      bundleType: 'tgz',
    });
  });

  it('answers a commit it cannot read with INVALID_REVISION, naming the status', async () => {
    await expect(
      new GitHubRevisionSource({ baseUrl }).readRevision(github('acme/shop', 'nope')),
    ).rejects.toMatchObject({
      name: 'InvalidRevisionError',
      message: expect.stringContaining('HTTP 404'),
    });
  });

  it('keeps each part of the location inside its own path segment', async () => {
    const source = new GitHubRevisionSource({ baseUrl });
    expect((await source.bundleLocation(github('acme/shop', '../../evil?x=1'))).location).toBe(
      `${baseUrl}/acme/shop/tar.gz/..%2F..%2Fevil%3Fx%3D1`,
    );
    await expect(source.readRevision(github('acme/shop/extra', 'abc123'))).rejects.toMatchObject({
      name: 'InvalidRevisionError',
    });
    await expect(
      source.readRevision({ revisionType: 'S3', s3Location: { bucket: 'b', key: 'k', bundleType: 'zip' } }),
    ).rejects.toMatchObject({ name: 'InvalidRevisionError' });
  });
});
