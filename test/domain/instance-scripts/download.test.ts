import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPSPEC_TEXT,
  appSpec,
  Deployment,
  GROUP_ID,
  instructions,
  pack,
  ROOT,
  tempDir,
  writeTree,
  writeZip,
} from './harness.js';

const SUCCESS = { error_code: 0, script_name: '', message: 'Succeeded: ', log: '' };
const TYPES = ['tar', 'tgz', 'zip', 'directory'] as const;

describe('DownloadBundle unpacking', () => {
  it.each(TYPES)(
    'unpacks a %s bundle, stripping a single top directory that holds the appspec',
    async (type) => {
      const src = writeTree(tempDir(), {
        'my-app-1.0/appspec.yml': APPSPEC_TEXT,
        'my-app-1.0/index.html': 'hello',
        'my-app-1.0/.env': 'X=1',
        'my-app-1.0/scripts/start.sh': { content: '#!/bin/sh\n', mode: 0o755 },
      });
      const host = tempDir();
      const d = new Deployment(host, 'd-DOWNLOAD1', appSpec(), pack(src, type));
      const result = await d.run('DownloadBundle');
      expect(result.json).toEqual(SUCCESS);
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
      expect(result.code).toBe(0);
      expect(readdirSync(d.archive).sort()).toEqual(['.env', 'appspec.yml', 'index.html', 'scripts']);
      expect(readFileSync(join(d.archive, 'index.html'), 'utf8')).toBe('hello');
      expect(existsSync(join(d.dir, 'bundle.tar'))).toBe(true);
      expect(existsSync(join(d.dir, 'stepdeploy-hooks.sh'))).toBe(true);
      expect(instructions(host, `${GROUP_ID}_most_recent_install`)).toBe(`${ROOT}/${GROUP_ID}/${d.id}`);
    },
  );

  it('keeps a single top directory without an appspec file, and several top-level entries', async () => {
    const host = tempDir();
    const one = new Deployment(
      host,
      'd-DOWNLOAD2',
      appSpec(),
      pack(writeTree(tempDir(), { 'web/index.html': 'x' }), 'tar'),
    );
    expect((await one.run('DownloadBundle')).json).toEqual(SUCCESS);
    expect(readdirSync(one.archive)).toEqual(['web']);
    const two = new Deployment(
      host,
      'd-DOWNLOAD3',
      appSpec(),
      pack(writeTree(tempDir(), { 'app/appspec.yml': APPSPEC_TEXT, README: 'r' }), 'tgz'),
    );
    expect((await two.run('DownloadBundle')).json).toEqual(SUCCESS);
    expect(readdirSync(two.archive).sort()).toEqual(['README', 'app']);
  });

  it('keeps symbolic links that stay inside the revision', async () => {
    const src = writeTree(tempDir(), {
      'appspec.yml': APPSPEC_TEXT,
      'conf/real.conf': 'c',
      'conf/current.conf': { symlink: 'real.conf' },
      'top.conf': { symlink: 'conf/real.conf' },
    });
    const d = new Deployment(tempDir(), 'd-DOWNLOAD4', appSpec(), pack(src, 'tar'));
    expect((await d.run('DownloadBundle')).json).toEqual(SUCCESS);
    expect(readFileSync(join(d.archive, 'top.conf'), 'utf8')).toBe('c');
  });

  it('fails with UnknownError when the bundle does not exist', async () => {
    const d = new Deployment(tempDir(), 'd-DOWNLOAD5', appSpec(), {
      location: '/nonexistent/b.tar',
      bundleType: 'tar',
    });
    const result = await d.run('DownloadBundle');
    expect(result.diagnostics).toMatchObject({ errorCode: 'UnknownError', scriptName: '' });
    expect(result.diagnostics.message).toBe('The bundle /nonexistent/b.tar does not exist or is not a file.');
    expect(result.code).toBe(5);
  });
});

describe('DownloadBundle refuses unsafe archives and installs nothing', () => {
  async function expectRefused(d: Deployment, message: RegExp): Promise<void> {
    const result = await d.run('DownloadBundle');
    expect(result.diagnostics.errorCode).toBe('UnknownError');
    expect(result.diagnostics.message).toMatch(message);
    expect(existsSync(d.archive)).toBe(false);
    expect(existsSync(join(d.dir, 'stepdeploy-hooks.sh'))).toBe(false);
    const install = await d.run('Install');
    expect(install.diagnostics.errorCode).toBe('UnknownError');
    expect(existsSync(join(d.host, 'srv'))).toBe(false);
  }

  const files = appSpec({ files: [{ source: '/', destination: '/srv/app' }] });

  it('refuses a tar member with a .. segment', async () => {
    const work = tempDir();
    writeTree(work, { 'outside.txt': 'x', 'b/appspec.yml': APPSPEC_TEXT });
    const tar = join(work, 'evil.tar');
    execFileSync('tar', ['-cPf', tar, '../outside.txt', 'appspec.yml'], { cwd: join(work, 'b') });
    const d = new Deployment(tempDir(), 'd-UNSAFE001', files, { location: tar, bundleType: 'tar' });
    await expectRefused(
      d,
      /unsafe entry: \.\.\/outside\.txt\. Entries with an absolute path or a \.\. segment are refused/,
    );
    expect(existsSync(join(d.dir, 'outside.txt'))).toBe(false);
  });

  it('refuses a tar member with an absolute path', async () => {
    const work = tempDir();
    const marker = join(work, 'absolute-marker');
    writeFileSync(marker, 'x');
    const tar = join(work, 'evil.tgz');
    execFileSync('tar', ['-czPf', tar, marker]);
    rmSync(marker);
    const d = new Deployment(tempDir(), 'd-UNSAFE002', files, { location: tar, bundleType: 'tgz' });
    await expectRefused(d, new RegExp(`unsafe entry: ${marker}\\.`));
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    ['a .. segment', '../outside.txt', /unsafe entry: \.\.\/outside\.txt\./],
    ['a backslash .. segment', 'a\\..\\..\\outside.txt', /unsafe entry: a\\\.\.\\\.\.\\outside\.txt\./],
    ['an absolute path', '/tmp/outside.txt', /unsafe entry: \/tmp\/outside\.txt\./],
  ])('refuses a zip member with %s', async (_name, member, message) => {
    const zip = join(tempDir(), 'evil.zip');
    writeZip(zip, [
      { name: 'appspec.yml', data: Buffer.from(APPSPEC_TEXT), mode: 0o100644 },
      { name: member, data: Buffer.from('x'), mode: 0o100644 },
    ]);
    const d = new Deployment(tempDir(), 'd-UNSAFE003', files, { location: zip, bundleType: 'zip' });
    await expectRefused(d, message);
  });

  it('refuses a FIFO, which Install would block on', async () => {
    const src = writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT });
    execFileSync('mkfifo', [join(src, 'pipe')]);
    const d = new Deployment(tempDir(), 'd-UNSAFE005', files, pack(src, 'tar'));
    await expectRefused(d, /special file \(a FIFO, socket or device\): pipe\./);
  });

  it.each([
    ['an absolute target', '/etc'],
    ['a relative target that climbs out', '../../../../../../../../../../etc/passwd'],
  ])('refuses a symbolic link with %s', async (_name, target) => {
    const src = writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT, 'data/link': { symlink: target } });
    const d = new Deployment(tempDir(), 'd-UNSAFE004', files, pack(src, 'tar'));
    await expectRefused(d, /symbolic link that points outside the revision: data\/link -> /);
  });
});

describe('DownloadBundle archive retention', () => {
  it('keeps 5 earlier deployment directories, deleting the oldest but never the last successful one', async () => {
    const host = tempDir();
    const group = join(host, ROOT, GROUP_ID);
    const old = [
      'd-OLD000001',
      'd-OLD000002',
      'd-OLD000003',
      'd-OLD000004',
      'd-OLD000005',
      'd-OLD000006',
      'd-OLD000007',
    ];
    old.forEach((id, i) => {
      mkdirSync(join(group, id, 'deployment-archive'), { recursive: true });
      const t = 1_700_000_000 + i * 60;
      utimesSync(join(group, id), t, t);
    });
    mkdirSync(join(host, ROOT, 'deployment-instructions'), { recursive: true });
    writeFileSync(
      join(host, ROOT, 'deployment-instructions', `${GROUP_ID}_last_successful_install`),
      `${ROOT}/${GROUP_ID}/d-OLD000001`,
    );
    const src = writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT });
    const d = new Deployment(host, 'd-NEW000001', appSpec(), pack(src, 'tar'));
    expect((await d.run('DownloadBundle')).json).toEqual(SUCCESS);
    expect(readdirSync(group).sort()).toEqual([
      'd-NEW000001',
      'd-OLD000001',
      'd-OLD000004',
      'd-OLD000005',
      'd-OLD000006',
      'd-OLD000007',
    ]);
  });
});

describe('DownloadBundle from a URL', () => {
  const tgz = pack(writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT, 'a.txt': 'from http' }), 'tgz');
  const body = readFileSync(tgz.location);
  let base = '';
  const server = createServer((request, response) => {
    if (request.url?.startsWith('/bundle.tgz')) {
      response.writeHead(200, { ETag: '"abc123"', 'Content-Type': 'application/octet-stream' });
      response.end(body);
    } else {
      response.writeHead(403);
      response.end('denied');
    }
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads with curl or wget and checks the S3 ETag', async () => {
    const d = new Deployment(tempDir(), 'd-URL000001', appSpec(), {
      location: `${base}/bundle.tgz?X-Amz-Signature=secret`,
      bundleType: 'tgz',
      s3: { bucket: 'b', key: 'bundle.tgz', eTag: 'abc123' },
    });
    expect((await d.run('DownloadBundle')).json).toEqual(SUCCESS);
    expect(readFileSync(join(d.archive, 'a.txt'), 'utf8')).toBe('from http');
  });

  it('fails when the ETag differs, with the agent message', async () => {
    const d = new Deployment(tempDir(), 'd-URL000002', appSpec(), {
      location: `${base}/bundle.tgz`,
      bundleType: 'tgz',
      s3: { bucket: 'b', key: 'bundle.tgz', eTag: '"other"' },
    });
    const result = await d.run('DownloadBundle');
    expect(result.diagnostics.message).toBe(
      'Expected deployment artifact bundle etag "other" but was actually "abc123"',
    );
  });

  it('reports an HTTP error without the presigned query string', async () => {
    const d = new Deployment(tempDir(), 'd-URL000003', appSpec(), {
      location: `${base}/missing.tgz?X-Amz-Signature=secret`,
      bundleType: 'tgz',
    });
    const result = await d.run('DownloadBundle');
    expect(result.diagnostics.errorCode).toBe('UnknownError');
    expect(result.diagnostics.message).toContain(`Could not download the bundle from ${base}/missing.tgz`);
    expect(result.stdout + result.stderr).not.toContain('secret');
  });
});

describe("DownloadBundle drops the archive's special bits and owners (point 8 of issue 13)", () => {
  it.each(['tar', 'zip'] as const)(
    'a %s with a 4755 file, a 2755 directory, a 0777 file and a file of uid 1000 unpacks with plain modes, owned by the deploying user: stricter than the agent (tar -xp as root keeps them)',
    async (type) => {
      const src = writeTree(tempDir(), {
        'appspec.yml': APPSPEC_TEXT,
        'bin/suid': { content: '#!/bin/sh\n', mode: 0o4755 },
        'open.txt': { content: 'anyone', mode: 0o777 },
        'theirs.txt': 'uid 1000',
      });
      chmodSync(join(src, 'bin'), 0o2755);
      let bundle;
      if (type === 'tar') {
        // GNU tar: the last member is stored as owned by uid/gid 1000.
        const out = join(tempDir(), 'bundle.tar');
        execFileSync('tar', ['-cf', out, '-C', src, 'appspec.yml', 'bin', 'open.txt']);
        execFileSync('tar', ['-rf', out, '--owner=1000', '--group=1000', '-C', src, 'theirs.txt']);
        const listing = execFileSync('tar', ['--numeric-owner', '-tvf', out], { encoding: 'utf8' });
        expect(listing).toMatch(/^-rwsr-xr-x .* bin\/suid$/m);
        expect(listing).toMatch(/^-.* 1000\/1000 .* theirs\.txt$/m);
        bundle = { location: out, bundleType: 'tar' as const };
      } else {
        bundle = pack(src, 'zip');
      }
      const host = tempDir();
      const d = new Deployment(host, 'd-SPECIAL01', appSpec(), bundle);
      expect((await d.run('DownloadBundle')).json).toEqual(SUCCESS);
      const info = (path: string) => statSync(join(d.archive, path));
      expect((info('bin/suid').mode & 0o7777).toString(8)).toBe('755');
      expect((info('bin').mode & 0o7777).toString(8)).toBe('755');
      expect((info('open.txt').mode & 0o7777).toString(8)).toBe('777');
      const me = process.getuid?.() ?? 0;
      for (const path of ['bin/suid', 'open.txt', 'theirs.txt']) expect(info(path).uid).toBe(me);
    },
  );
});
