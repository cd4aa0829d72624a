import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { create, Header, type HeaderData } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BundleLimitExceededError,
  bundleTypeOf,
  InvalidBundleError,
  MAX_APPSPEC_BYTES,
  readBundle,
} from '../../../functions/adapters/bundle/read-bundle.js';
import { checkBundleEntries } from '../../../functions/domain/bundle-checks.js';
import { zipBytes } from '../../domain/instance-scripts/harness.js';

const APPSPEC = 'version: 0.0\nos: linux\n';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'stepdeploy-bundle-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Writes files (string content) and symlinks (`{ link }`) under a new directory. */
async function tree(name: string, spec: Record<string, string | { link: string }>): Promise<string> {
  const root = join(work, name);
  await mkdir(root, { recursive: true });
  for (const [path, content] of Object.entries(spec)) {
    const target = join(root, path);
    await mkdir(join(target, '..'), { recursive: true });
    if (typeof content === 'string') await writeFile(target, content);
    else await symlink(content.link, target);
  }
  return root;
}

/** A real archive made by the tar package from a directory, as `tar -cf x.tar -C dir .` would. */
async function tarOf(dir: string, gzip = false, members = ['.']): Promise<Buffer> {
  const file = join(work, gzip ? 'bundle.tgz' : 'bundle.tar');
  await create({ cwd: dir, file, gzip, portable: true }, members);
  return readFile(file);
}

interface RawMember extends Omit<HeaderData, 'size'> {
  body?: string | Buffer;
}

/**
 * A tar built header by header with the tar package's Header, so that it can hold what the tar
 * package's own packer refuses to write: `..` names, absolute names, devices.
 */
function rawTar(members: RawMember[]): Buffer {
  const blocks = members.flatMap(({ body, ...header }) => {
    const data = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    const head = Buffer.alloc(512);
    new Header({ mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), ...header, size: data.length }).encode(
      head,
      0,
    );
    const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
    data.copy(padded);
    return [head, padded];
  });
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

function hasZipCli(): boolean {
  try {
    execFileSync('zip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('readBundle: tar and tgz', () => {
  it('lists a real tar without unpacking it and reads appspec.yml at the root', async () => {
    const dir = await tree('rev', {
      'appspec.yml': APPSPEC,
      'scripts/start.sh': '#!/bin/sh\n',
      'web/index.html': '<p>hi</p>',
      'web/current': { link: 'index.html' },
    });
    const bundle = await readBundle({ kind: 'buffer', data: await tarOf(dir), bundleType: 'tar' });
    expect(bundle.bundleType).toBe('tar');
    expect(bundle.appSpecText).toBe(APPSPEC);
    expect(bundle.appSpecPath).toBe('./appspec.yml');
    expect(bundle.entries).toEqual(
      expect.arrayContaining([
        { path: './appspec.yml', type: 'file' },
        { path: './scripts/', type: 'directory' },
        { path: './scripts/start.sh', type: 'file' },
        { path: './web/current', type: 'symlink', linkTarget: 'index.html' },
      ]),
    );
    expect(checkBundleEntries(bundle.entries)).toEqual([]);
  });

  it('reads a tgz the same way', async () => {
    const dir = await tree('rev', { 'appspec.yml': APPSPEC, 'a.txt': 'a' });
    const bundle = await readBundle({ kind: 'buffer', data: await tarOf(dir, true), bundleType: 'tgz' });
    expect(bundle.bundleType).toBe('tgz');
    expect(bundle.appSpecText).toBe(APPSPEC);
    expect(bundle.entries).toContainEqual({ path: './a.txt', type: 'file' });
  });

  it('accepts a gzip-compressed archive declared tar, as GNU tar detects compression when reading', async () => {
    const data = gzipSync(rawTar([{ path: 'appspec.yml', type: 'File', body: APPSPEC }]));
    expect((await readBundle({ kind: 'buffer', data, bundleType: 'tar' })).appSpecText).toBe(APPSPEC);
  });

  it('finds the AppSpec under a single top directory (the agent strips that level)', async () => {
    const dir = await tree('rev', { 'myapp/appspec.yml': APPSPEC, 'myapp/scripts/run.sh': 'exit 0' });
    const data = await tarOf(dir, false, ['myapp']);
    const bundle = await readBundle({ kind: 'buffer', data, bundleType: 'tar' });
    expect(bundle.entries).toContainEqual({ path: 'myapp/', type: 'directory' });
    expect(bundle.appSpecPath).toBe('myapp/appspec.yml');
    expect(bundle.appSpecText).toBe(APPSPEC);
  });

  it('prefers appspec.yaml to appspec.yml (reference §1.1 lookup order)', async () => {
    const data = rawTar([
      { path: 'appspec.yml', type: 'File', body: 'version: 0.0 # yml\n' },
      { path: 'appspec.yaml', type: 'File', body: 'version: 0.0 # yaml\n' },
    ]);
    const bundle = await readBundle({ kind: 'buffer', data, bundleType: 'tar' });
    expect(bundle.appSpecPath).toBe('appspec.yaml');
    expect(bundle.appSpecText).toBe('version: 0.0 # yaml\n');
  });

  it('lists unsafe members exactly as stored, for the checks to refuse', async () => {
    const data = rawTar([
      { path: '../evil', type: 'File', body: 'x' },
      { path: '/etc/x', type: 'File', body: 'y' },
      { path: 'app/link', type: 'SymbolicLink', linkpath: '../../etc/passwd' },
      { path: 'dev/tty0', type: 'CharacterDevice' },
      { path: 'hard', type: 'Link', linkpath: '/etc/shadow' },
      { path: 'appspec.yml', type: 'File', body: APPSPEC },
    ]);
    const bundle = await readBundle({ kind: 'buffer', data, bundleType: 'tar' });
    expect(bundle.entries).toEqual([
      { path: '../evil', type: 'file' },
      { path: '/etc/x', type: 'file' },
      { path: 'app/link', type: 'symlink', linkTarget: '../../etc/passwd' },
      { path: 'dev/tty0', type: 'other' },
      { path: 'hard', type: 'hardlink', linkTarget: '/etc/shadow' },
      { path: 'appspec.yml', type: 'file' },
    ]);
    expect(checkBundleEntries(bundle.entries)).toEqual([
      '"../evil": the path has a ".." segment',
      '"/etc/x": the path is absolute',
      '"app/link" -> "../../etc/passwd": a symbolic link that resolves outside the bundle',
      '"dev/tty0": a device, FIFO or other special file',
      '"hard" -> "/etc/shadow": a hard link to an absolute path',
    ]);
  });

  it('reads an AppSpec that is a symbolic link to a member inside the bundle', async () => {
    const data = rawTar([
      { path: 'conf/deploy.yml', type: 'File', body: APPSPEC },
      { path: 'appspec.yml', type: 'SymbolicLink', linkpath: 'conf/deploy.yml' },
    ]);
    const bundle = await readBundle({ kind: 'buffer', data, bundleType: 'tar' });
    expect(bundle.appSpecPath).toBe('appspec.yml');
    expect(bundle.appSpecText).toBe(APPSPEC);
  });

  it('reads an AppSpec that is a hard link to an earlier member', async () => {
    const data = rawTar([
      { path: 'conf/deploy.yml', type: 'File', body: APPSPEC },
      { path: 'appspec.yml', type: 'Link', linkpath: 'conf/deploy.yml' },
    ]);
    expect((await readBundle({ kind: 'buffer', data, bundleType: 'tar' })).appSpecText).toBe(APPSPEC);
  });

  it('gives no AppSpec text for an appspec.yml that links outside the bundle', async () => {
    const data = rawTar([{ path: 'appspec.yml', type: 'SymbolicLink', linkpath: '/etc/passwd' }]);
    const bundle = await readBundle({ kind: 'buffer', data, bundleType: 'tar' });
    expect(bundle.appSpecPath).toBe('appspec.yml');
    expect(bundle.appSpecText).toBeUndefined();
  });

  it('has no AppSpec when none is at the (stripped) root', async () => {
    const data = rawTar([{ path: 'a/b/appspec.yml', type: 'File', body: APPSPEC }]);
    const bundle = await readBundle({ kind: 'buffer', data, bundleType: 'tar' });
    expect(bundle.appSpecPath).toBeUndefined();
    expect(bundle.appSpecText).toBeUndefined();
  });

  it('refuses an AppSpec over the size limit', async () => {
    const data = rawTar([
      { path: 'appspec.yml', type: 'File', body: Buffer.alloc(MAX_APPSPEC_BYTES + 1, 0x20) },
    ]);
    await expect(readBundle({ kind: 'buffer', data, bundleType: 'tar' })).rejects.toThrow(
      /The AppSpec file appspec.yml is larger than 1048576 bytes/,
    );
  });

  const corrupt: Array<[string, () => Buffer, 'tar' | 'tgz', RegExp]> = [
    [
      'bytes that are no archive',
      () => Buffer.from('this is not an archive'),
      'tar',
      /tar bundle is corrupt or not a tar archive: TAR_BAD_ARCHIVE/,
    ],
    ['an empty file', () => Buffer.alloc(0), 'tar', /tar bundle is corrupt or not a tar archive/],
    [
      'a truncated tar',
      () => rawTar([{ path: 'x', type: 'File', body: 'x'.repeat(2000) }]).subarray(0, 900),
      'tar',
      /Truncated input/,
    ],
    [
      'a header with a bad checksum',
      () => {
        const data = rawTar([{ path: 'appspec.yml', type: 'File', body: APPSPEC }]);
        data[148] = 0x37; // the checksum field
        return data;
      },
      'tar',
      /TAR_ENTRY_INVALID: checksum failure/,
    ],
    [
      'a truncated tgz',
      () => {
        const data = gzipSync(rawTar([{ path: 'appspec.yml', type: 'File', body: APPSPEC }]));
        return data.subarray(0, data.length - 12);
      },
      'tgz',
      /tgz bundle is corrupt or not a tgz archive: zlib: unexpected end of file/,
    ],
    [
      'a plain tar declared tgz',
      () => rawTar([{ path: 'a', type: 'File', body: 'a' }]),
      'tgz',
      /declared tgz but is not gzip-compressed/,
    ],
    [
      'a zip declared tar',
      () => zipBytes([{ name: 'appspec.yml', data: APPSPEC }]),
      'tar',
      /tar bundle is corrupt/,
    ],
  ];
  it.each(corrupt)('turns %s into InvalidBundleError', async (_name, data, bundleType, message) => {
    const failure = readBundle({ kind: 'buffer', data: data(), bundleType });
    await expect(failure).rejects.toBeInstanceOf(InvalidBundleError);
    await expect(failure).rejects.toMatchObject({
      name: 'InvalidBundleError',
      message: expect.stringMatching(message),
    });
  });
});

describe('readBundle: zip', () => {
  it('lists members, takes symlinks from the unix mode, and reads the AppSpec', async () => {
    const data = zipBytes([
      { name: 'appspec.yml', data: APPSPEC },
      { name: 'scripts/', mode: 0o040755 },
      { name: 'scripts/start.sh', data: '#!/bin/sh\n', mode: 0o100755 },
      { name: 'scripts/current', data: 'start.sh', mode: 0o120777 },
    ]);
    const bundle = await readBundle({ kind: 'buffer', data, bundleType: 'zip' });
    expect(bundle).toEqual({
      bundleType: 'zip',
      appSpecPath: 'appspec.yml',
      appSpecText: APPSPEC,
      entries: [
        { path: 'appspec.yml', type: 'file' },
        { path: 'scripts/', type: 'directory' },
        { path: 'scripts/start.sh', type: 'file' },
        { path: 'scripts/current', type: 'symlink', linkTarget: 'start.sh' },
      ],
    });
  });

  it('lists the names yauzl would refuse (.., absolute, backslashes) so the checks can report them', async () => {
    const data = zipBytes([
      { name: '../evil', data: 'x' },
      { name: '/etc/x', data: 'y' },
      { name: '..\\win', data: 'z' },
      { name: 'link', data: '../../etc/passwd', mode: 0o120777 },
      { name: 'pipe', mode: 0o010644 },
    ]);
    const bundle = await readBundle({ kind: 'buffer', data, bundleType: 'zip' });
    expect(bundle.entries).toEqual([
      { path: '../evil', type: 'file' },
      { path: '/etc/x', type: 'file' },
      { path: '..\\win', type: 'file' },
      { path: 'link', type: 'symlink', linkTarget: '../../etc/passwd' },
      { path: 'pipe', type: 'other' },
    ]);
    expect(checkBundleEntries(bundle.entries)).toHaveLength(5);
  });

  it('reads a zip made by the zip command, with a single top directory and a stored symlink', async () => {
    const dir = await tree('rev', {
      'site/appspec.yml': APPSPEC,
      'site/public/index.html': 'hi',
      'site/public/home.html': { link: 'index.html' },
      'site/escape': { link: '../../etc/passwd' },
    });
    const file = join(work, 'bundle.zip');
    let data: Buffer;
    if (hasZipCli()) {
      execFileSync('zip', ['-qry', file, 'site'], { cwd: dir });
      data = await readFile(file);
    } else {
      // Without the zip command, the same members as `zip -ry` stores them.
      data = zipBytes([
        { name: 'site/', mode: 0o040755 },
        { name: 'site/appspec.yml', data: APPSPEC },
        { name: 'site/escape', data: '../../etc/passwd', mode: 0o120777 },
        { name: 'site/public/', mode: 0o040755 },
        { name: 'site/public/home.html', data: 'index.html', mode: 0o120777 },
        { name: 'site/public/index.html', data: 'hi' },
      ]);
    }
    const bundle = await readBundle({ kind: 'buffer', data, bundleType: 'zip' });
    expect(bundle.appSpecPath).toBe('site/appspec.yml');
    expect(bundle.appSpecText).toBe(APPSPEC);
    expect(bundle.entries).toEqual(
      expect.arrayContaining([
        { path: 'site/', type: 'directory' },
        { path: 'site/public/home.html', type: 'symlink', linkTarget: 'index.html' },
        { path: 'site/escape', type: 'symlink', linkTarget: '../../etc/passwd' },
      ]),
    );
    expect(checkBundleEntries(bundle.entries)).toEqual([
      '"site/escape" -> "../../etc/passwd": a symbolic link that resolves outside the bundle',
    ]);
  });

  const corrupt: Array<[string, () => Buffer]> = [
    ['bytes that are no zip', () => Buffer.from('definitely not a zip file, just text')],
    ['a tar declared zip', () => rawTar([{ path: 'appspec.yml', type: 'File', body: APPSPEC }])],
    ['a zip cut in half', () => zipBytes([{ name: 'appspec.yml', data: APPSPEC }]).subarray(0, 40)],
    [
      'a zip whose member header is damaged',
      () => {
        const data = zipBytes([{ name: 'appspec.yml', data: APPSPEC }]);
        data[0] = 0; // the local file header signature
        return data;
      },
    ],
  ];
  it.each(corrupt)('turns %s into InvalidBundleError', async (_name, data) => {
    await expect(readBundle({ kind: 'buffer', data: data(), bundleType: 'zip' })).rejects.toMatchObject({
      name: 'InvalidBundleError',
      message: expect.stringMatching(/^The zip bundle is corrupt or not a zip archive: /),
    });
  });
});

describe('readBundle: directory', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('walks with lstat: links are listed as links and never followed', async () => {
    const outside = await tree('outside', { 'secret.txt': 'secret' });
    const dir = await tree('rev', {
      'appspec.yml': APPSPEC,
      'scripts/start.sh': 'exit 0',
      out: { link: outside },
      up: { link: '../outside/secret.txt' },
    });
    const bundle = await readBundle({ kind: 'directory', path: dir });
    expect(bundle).toEqual({
      bundleType: 'directory',
      appSpecPath: 'appspec.yml',
      appSpecText: APPSPEC,
      entries: [
        { path: 'appspec.yml', type: 'file' },
        { path: 'out', type: 'symlink', linkTarget: outside },
        { path: 'scripts', type: 'directory' },
        { path: 'scripts/start.sh', type: 'file' },
        { path: 'up', type: 'symlink', linkTarget: '../outside/secret.txt' },
      ],
    });
    expect(checkBundleEntries(bundle.entries)).toEqual([
      `${JSON.stringify('out')} -> ${JSON.stringify(outside)}: a symbolic link to an absolute path`,
      '"up" -> "../outside/secret.txt": a symbolic link that resolves outside the bundle',
    ]);
  });

  it('lists a socket as other', async () => {
    const dir = await tree('rev', { 'appspec.yml': APPSPEC });
    const socketPath = join(dir, 'control.sock');
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(socketPath, resolve));
    const bundle = await readBundle({ kind: 'directory', path: dir });
    expect(bundle.entries).toContainEqual({ path: 'control.sock', type: 'other' });
  });

  it('applies the single-top-directory rule to a directory too (the instance packs it as a tar)', async () => {
    const dir = await tree('rev', { 'app/appspec.yaml': APPSPEC, 'app/x': 'x' });
    const bundle = await readBundle({ kind: 'directory', path: dir });
    expect(bundle.appSpecPath).toBe('app/appspec.yaml');
    expect(bundle.appSpecText).toBe(APPSPEC);
  });

  it('follows a symbolic link given as the root itself', async () => {
    const dir = await tree('release-1', { 'appspec.yml': APPSPEC });
    const current = join(work, 'current');
    await symlink(dir, current);
    expect((await readBundle({ kind: 'directory', path: current })).appSpecText).toBe(APPSPEC);
  });

  it('refuses a missing directory and a file given as a directory', async () => {
    await expect(readBundle({ kind: 'directory', path: join(work, 'nope') })).rejects.toMatchObject({
      name: 'InvalidBundleError',
      message: expect.stringContaining('cannot be read'),
    });
    const dir = await tree('rev', { 'a.txt': 'a' });
    await expect(readBundle({ kind: 'directory', path: join(dir, 'a.txt') })).rejects.toThrow(
      /is not a directory/,
    );
  });
});

describe('bundleTypeOf', () => {
  const names: Array<[string, string]> = [
    ['app.zip', 'zip'],
    ['APP.ZIP', 'zip'],
    ['app.tar', 'tar'],
    ['app.tar.gz', 'tgz'],
    ['app.TGZ', 'tgz'],
    ['not-there-yet.tgz', 'tgz'],
  ];
  it.each(names)('%s -> %s', async (name, expected) => {
    expect(await bundleTypeOf(join(work, name))).toBe(expected);
  });

  it('calls a directory a directory, whatever its name', async () => {
    const dir = await tree('looks-like.zip', { 'appspec.yml': APPSPEC });
    expect(await bundleTypeOf(dir)).toBe('directory');
  });

  it('refuses a name it cannot tell', async () => {
    await expect(bundleTypeOf(join(work, 'bundle.rar'))).rejects.toMatchObject({
      name: 'InvalidBundleError',
      message: expect.stringContaining('name it .zip, .tar, .tar.gz or .tgz'),
    });
  });
});

/** A zip of one deflated member, whose declared uncompressed size can lie. */
function deflatedZip(name: string, content: Buffer, declaredSize = content.length): Buffer {
  const nameBytes = Buffer.from(name);
  const data = deflateRawSync(content);
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(declaredSize, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(declaredSize, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(local.length + nameBytes.length + data.length, 16);
  return Buffer.concat([local, nameBytes, data, central, nameBytes, end]);
}

describe('readBundle: limits (point 6 of issue 13), checked while listing', () => {
  const limits = { maxUnpackedBytes: 2 * 1024 ** 3, maxEntries: 50_000, maxCompressionRatio: 100 };
  const files = (count: number) =>
    rawTar(
      Array.from({ length: count }, (_, i) => ({ path: `f${String(i)}`, type: 'File' as const, body: 'x' })),
    );

  it('refuses more entries than the limit, naming it and its flag', async () => {
    const failure = readBundle(
      { kind: 'buffer', data: files(4), bundleType: 'tar' },
      { ...limits, maxEntries: 3 },
    );
    await expect(failure).rejects.toBeInstanceOf(BundleLimitExceededError);
    await expect(failure).rejects.toThrow(
      "The bundle holds more than 3 entries (files, directories and links), the limit on a bundle's entry count; nothing was unpacked. Raise the limit (stepdeploy deploy --max-bundle-entries)",
    );
    await expect(
      readBundle({ kind: 'buffer', data: files(3), bundleType: 'tar' }, { ...limits, maxEntries: 3 }),
    ).resolves.toMatchObject({ entries: expect.any(Array) });
  });

  it('refuses an unpacked size over the limit', async () => {
    const data = rawTar([{ path: 'big', type: 'File', body: Buffer.alloc(3000) }]);
    await expect(
      readBundle({ kind: 'buffer', data, bundleType: 'tar' }, { ...limits, maxUnpackedBytes: 2048 }),
    ).rejects.toThrow(
      "The bundle unpacks to more than 2 KiB, the limit on a bundle's unpacked size; nothing was unpacked. Raise the limit (stepdeploy deploy --max-bundle-size)",
    );
  });

  it('refuses a gzip bomb by its compression ratio, read from a file as a stream', async () => {
    const path = join(work, 'bomb.tgz');
    await writeFile(
      path,
      gzipSync(rawTar([{ path: 'zeros', type: 'File', body: Buffer.alloc(64 * 1024 ** 2) }])),
    );
    await expect(readBundle({ kind: 'file', path, bundleType: 'tgz' }, limits)).rejects.toThrow(
      /^The bundle unpacks .* into more than 64 MiB, a compression ratio over \d+:1, beyond the limit of 100:1 \(a zip bomb looks like this\); nothing was unpacked\. Raise the limit \(stepdeploy deploy --max-compression-ratio\)/,
    );
  });

  it('judges no ratio under 16 MiB unpacked: a small bundle of repetitive text is no bomb', async () => {
    const data = gzipSync(
      rawTar([
        { path: 'appspec.yml', type: 'File', body: APPSPEC },
        { path: 'zeros', type: 'File', body: Buffer.alloc(8 * 1024 ** 2) },
      ]),
    );
    expect(data.length * 100).toBeLessThan(8 * 1024 ** 2);
    await expect(readBundle({ kind: 'buffer', data, bundleType: 'tgz' }, limits)).resolves.toMatchObject({
      appSpecText: APPSPEC,
    });
  });

  it('refuses a zip bomb by its declared sizes, read from a file', async () => {
    const path = join(work, 'bomb.zip');
    await writeFile(path, deflatedZip('zeros', Buffer.alloc(64 * 1024 ** 2)));
    await expect(readBundle({ kind: 'file', path, bundleType: 'zip' }, limits)).rejects.toBeInstanceOf(
      BundleLimitExceededError,
    );
  });

  it('refuses a zip whose member holds more than it declares (its data is inflated and counted)', async () => {
    const data = deflatedZip('zeros', Buffer.alloc(4 * 1024 ** 2), 1024);
    await expect(readBundle({ kind: 'buffer', data, bundleType: 'zip' }, limits)).rejects.toMatchObject({
      name: 'InvalidBundleError',
      message: expect.stringMatching(
        /zip bundle is corrupt or not a zip archive: too many bytes in the stream/,
      ),
    });
  });

  it('counts a sparse file of a directory by its apparent size', async () => {
    const dir = await tree('sparse', { 'appspec.yml': APPSPEC });
    execFileSync('truncate', ['-s', '3M', join(dir, 'holes')]);
    await expect(
      readBundle({ kind: 'directory', path: dir }, { ...limits, maxUnpackedBytes: 2 * 1024 ** 2 }),
    ).rejects.toThrow('unpacks to more than 2 MiB');
  });

  it('lists tar, tgz and zip files on disk as it lists them in memory', async () => {
    const dir = await tree('disk', { 'appspec.yml': APPSPEC, 'app/index.html': 'hi' });
    for (const bundleType of ['tar', 'tgz'] as const) {
      const path = join(work, `disk.${bundleType}`);
      await writeFile(path, await tarOf(dir, bundleType === 'tgz'));
      const bundle = await readBundle({ kind: 'file', path, bundleType });
      expect(bundle.appSpecText).toBe(APPSPEC);
      expect(bundle.entries.map((e) => e.path)).toContain('./app/index.html');
    }
    const zipPath = join(work, 'disk.zip');
    await writeFile(
      zipPath,
      zipBytes([
        { name: 'appspec.yml', data: APPSPEC },
        { name: 'app/index.html', data: 'hi' },
      ]),
    );
    expect((await readBundle({ kind: 'file', path: zipPath, bundleType: 'zip' })).appSpecText).toBe(APPSPEC);
  });
});
