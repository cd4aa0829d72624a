import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalRevisionSource } from '../../../functions/adapters/local/local-revision-source.js';
import type { RevisionLocation } from '../../../functions/ports/records.js';

const APPSPEC = 'version: 0.0\nos: linux\n';

let work: string;
let revisionDir: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'stepdeploy-local-rev-'));
  revisionDir = join(work, 'rev');
  await mkdir(join(revisionDir, 'scripts'), { recursive: true });
  await writeFile(join(revisionDir, 'appspec.yml'), APPSPEC);
  await writeFile(join(revisionDir, 'scripts', 'start.sh'), '#!/bin/sh\n');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

function local(
  path: string,
  bundleType: NonNullable<RevisionLocation['localLocation']>['bundleType'],
): RevisionLocation {
  return { revisionType: 'Local', localLocation: { path, bundleType } };
}

describe('LocalRevisionSource', () => {
  const source = new LocalRevisionSource();

  it('reads a directory revision and locates it by its absolute path', async () => {
    const bundle = await source.readRevision(local(revisionDir, 'directory'));
    expect(bundle).toMatchObject({
      bundleType: 'directory',
      appSpecPath: 'appspec.yml',
      appSpecText: APPSPEC,
    });
    expect(bundle.entries).toEqual([
      { path: 'appspec.yml', type: 'file' },
      { path: 'scripts', type: 'directory' },
      { path: 'scripts/start.sh', type: 'file' },
    ]);
    expect(await source.bundleLocation(local(revisionDir, 'directory'))).toEqual({
      location: revisionDir,
      bundleType: 'directory',
    });
  });

  const archives: Array<['tar' | 'tgz', string]> = [
    ['tar', 'bundle.tar'],
    ['tgz', 'bundle.tar.gz'],
    ['tgz', 'bundle.tgz'],
  ];
  it.each(archives)('reads a %s file (%s)', async (bundleType, name) => {
    const file = join(work, name);
    await create({ cwd: revisionDir, file, gzip: bundleType === 'tgz', portable: true }, ['.']);
    const bundle = await source.readRevision(local(file, bundleType));
    expect(bundle).toMatchObject({ bundleType, appSpecPath: './appspec.yml', appSpecText: APPSPEC });
    expect(await source.bundleLocation(local(file, bundleType))).toEqual({ location: file, bundleType });
  });

  it('resolves a relative path against the base directory', async () => {
    const fromWork = new LocalRevisionSource({ baseDirectory: work });
    expect(await fromWork.bundleLocation(local('rev', 'directory'))).toEqual({
      location: revisionDir,
      bundleType: 'directory',
    });
    expect((await fromWork.readRevision(local('./rev', 'directory'))).appSpecText).toBe(APPSPEC);
  });

  it('reports unsafe entries of a directory through the listing (symlinks are not followed)', async () => {
    await symlink('/etc/passwd', join(revisionDir, 'passwd'));
    const bundle = await source.readRevision(local(revisionDir, 'directory'));
    expect(bundle.entries).toContainEqual({ path: 'passwd', type: 'symlink', linkTarget: '/etc/passwd' });
  });

  it('turns a missing path into ResourceNotFoundError', async () => {
    const missing = join(work, 'nope.zip');
    await expect(source.readRevision(local(missing, 'zip'))).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
      resource: missing,
      message: `The revision ${missing} does not exist.`,
    });
    await expect(source.bundleLocation(local(missing, 'zip'))).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
    });
  });

  it('refuses a bundle type that does not match what is on disk', async () => {
    await expect(source.readRevision(local(revisionDir, 'zip'))).rejects.toMatchObject({
      name: 'InvalidRevisionError',
      message: `The revision ${revisionDir} is a directory, but its bundle type is zip.`,
    });
    const file = join(revisionDir, 'appspec.yml');
    await expect(source.readRevision(local(file, 'directory'))).rejects.toMatchObject({
      name: 'InvalidRevisionError',
      message: `The revision ${file} is a file, but its bundle type is directory.`,
    });
  });

  it('turns a corrupt archive into InvalidBundleError', async () => {
    const file = join(work, 'broken.zip');
    await writeFile(file, 'this is not a zip');
    await expect(source.readRevision(local(file, 'zip'))).rejects.toMatchObject({
      name: 'InvalidBundleError',
      message: expect.stringContaining('The zip bundle is corrupt or not a zip archive'),
    });
  });

  it('refuses a revision that is not Local', async () => {
    const s3: RevisionLocation = {
      revisionType: 'S3',
      s3Location: { bucket: 'b', key: 'k', bundleType: 'zip' },
    };
    await expect(source.readRevision(s3)).rejects.toMatchObject({
      name: 'InvalidRevisionError',
      message: expect.stringContaining('reads Local revisions'),
    });
  });
});
