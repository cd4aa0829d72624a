import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServerAppSpec } from '../../../functions/domain/appspec/model.js';
import {
  APPSPEC_TEXT,
  appSpec,
  Deployment,
  GROUP_ID,
  hasCommand,
  instructions,
  pack,
  ROOT,
  tempDir,
  writeTree,
  type TreeEntry,
} from './harness.js';

const SUCCESS = { error_code: 0, script_name: '', message: 'Succeeded: ', log: '' };

async function install(
  host: string,
  id: string,
  spec: ServerAppSpec,
  tree: Record<string, TreeEntry>,
  options: ConstructorParameters<typeof Deployment>[4] = {},
) {
  const d = new Deployment(
    host,
    id,
    spec,
    pack(writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT, ...tree }), 'tar'),
    options,
  );
  const download = await d.run('DownloadBundle');
  expect(download.json).toEqual(SUCCESS);
  return { d, result: await d.run('Install') };
}

const read = (path: string) => readFileSync(path, 'utf8');
const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);
const cleanupLines = (host: string) => instructions(host, `${GROUP_ID}-cleanup`).split('\n').filter(Boolean);

describe('Install copy rules', () => {
  it("copies a directory source's contents, a file source to destination/basename, and / as the whole revision", async () => {
    const host = tempDir();
    const spec = appSpec({
      files: [
        { source: 'config/config.txt', destination: '/webapps/Config' },
        { source: 'web/', destination: '/var/www/html' },
        { source: '/', destination: '/opt/whole' },
      ],
    });
    const { d, result } = await install(host, 'd-COPY00001', spec, {
      'config/config.txt': 'cfg',
      'web/index.html': 'index',
      'web/css/site.css': 'css',
      'web/run.sh': { content: '#!/bin/sh\n', mode: 0o750 },
      'web/current': { symlink: 'index.html' },
    });
    expect(result.json).toEqual(SUCCESS);
    expect(read(join(host, 'webapps/Config/config.txt'))).toBe('cfg');
    expect(read(join(host, 'var/www/html/index.html'))).toBe('index');
    expect(read(join(host, 'var/www/html/css/site.css'))).toBe('css');
    expect(existsSync(join(host, 'var/www/html/web'))).toBe(false);
    expect(mode(join(host, 'var/www/html/run.sh'))).toBe('750');
    expect(read(join(host, 'var/www/html/current'))).toBe('index');
    expect(read(join(host, 'opt/whole/appspec.yml'))).toBe(APPSPEC_TEXT);
    expect(read(join(host, 'opt/whole/web/css/site.css'))).toBe('css');
    const cleanup = cleanupLines(host);
    for (const path of [
      '/webapps',
      '/webapps/Config',
      '/webapps/Config/config.txt',
      '/var/www/html/css',
      '/opt/whole/appspec.yml',
    ]) {
      expect(cleanup).toContain(path);
    }
    // The deployment root under /opt already existed, so /opt is not the deployment's to remove.
    expect(cleanup).not.toContain('/opt');
    expect(instructions(host, `${GROUP_ID}_last_successful_install`)).toBe(`${ROOT}/${GROUP_ID}/${d.id}`);
  });

  it('DISALLOW over an existing file fails with the agent message and copies nothing', async () => {
    const host = tempDir();
    writeTree(host, { 'srv/app/b.txt': 'original' });
    const spec = appSpec({ files: [{ source: 'app', destination: '/srv/app' }] });
    const { result } = await install(host, 'd-DISALLOW1', spec, {
      'app/a.txt': 'a',
      'app/b.txt': 'b',
      'app/c.txt': 'c',
    });
    expect(result.json).toEqual({
      error_code: 5,
      script_name: '',
      message:
        'The deployment failed because a specified file already exists at this location: /srv/app/b.txt',
      log: '',
    });
    expect(result.diagnostics.errorCode).toBe('UnknownError');
    expect(result.code).not.toBe(0);
    expect(read(join(host, 'srv/app/b.txt'))).toBe('original');
    expect(existsSync(join(host, 'srv/app/a.txt'))).toBe(false);
    expect(existsSync(join(host, 'srv/app/c.txt'))).toBe(false);
    expect(
      existsSync(join(host, ROOT, 'deployment-instructions', `${GROUP_ID}_last_successful_install`)),
    ).toBe(false);
  });

  it('OVERWRITE (the deployment override) replaces the file and records it', async () => {
    const host = tempDir();
    writeTree(host, { 'srv/app/b.txt': 'original' });
    const spec = appSpec({ files: [{ source: 'app', destination: '/srv/app' }] });
    const { result } = await install(
      host,
      'd-OVERWRIT1',
      spec,
      { 'app/b.txt': 'new' },
      { fileExistsBehavior: 'OVERWRITE' },
    );
    expect(result.json).toEqual(SUCCESS);
    expect(read(join(host, 'srv/app/b.txt'))).toBe('new');
    expect(cleanupLines(host)).toEqual(['/srv/app/b.txt']);
  });

  it("the AppSpec's file_exists_behavior wins over the deployment's", async () => {
    const host = tempDir();
    writeTree(host, { 'srv/app/b.txt': 'original' });
    const spec = appSpec({
      files: [{ source: 'app', destination: '/srv/app' }],
      fileExistsBehavior: 'DISALLOW',
    });
    const { result } = await install(
      host,
      'd-OVERWRIT2',
      spec,
      { 'app/b.txt': 'new' },
      { fileExistsBehavior: 'OVERWRITE' },
    );
    expect(result.diagnostics.errorCode).toBe('UnknownError');
    expect(read(join(host, 'srv/app/b.txt'))).toBe('original');
  });

  it('RETAIN keeps the existing file and leaves it out of the cleanup file', async () => {
    const host = tempDir();
    writeTree(host, { 'srv/app/b.txt': 'original' });
    const spec = appSpec({
      files: [{ source: 'app', destination: '/srv/app' }],
      fileExistsBehavior: 'RETAIN',
    });
    const { result } = await install(host, 'd-RETAIN001', spec, { 'app/a.txt': 'a', 'app/b.txt': 'new' });
    expect(result.json).toEqual(SUCCESS);
    expect(read(join(host, 'srv/app/b.txt'))).toBe('original');
    expect(read(join(host, 'srv/app/a.txt'))).toBe('a');
    expect(cleanupLines(host)).toEqual(['/srv/app/a.txt']);
  });

  it('fails on two sources for one destination with the agent message', async () => {
    const host = tempDir();
    const spec = appSpec({
      files: [
        { source: 'a/x.txt', destination: '/srv' },
        { source: 'b/x.txt', destination: '/srv' },
      ],
    });
    const { d, result } = await install(host, 'd-DUPLICAT1', spec, { 'a/x.txt': 'a', 'b/x.txt': 'b' });
    const archive = `${ROOT}/${GROUP_ID}/${d.id}/deployment-archive`;
    expect(result.diagnostics.message).toBe(
      `The deployment failed because the application specification file specifies two source files named ${archive}/b/x.txt and ${archive}/a/x.txt for the same destination (/srv/x.txt). Remove one of the source file paths from the AppSpec file, and then try again.`,
    );
    expect(existsSync(join(host, 'srv'))).toBe(false);
  });

  it('handles quotes, spaces and $(...) in paths literally (no command runs)', async () => {
    const host = tempDir();
    const name = "it's $(touch sd-pwned) `touch sd-pwned2` *";
    const spec = appSpec({ files: [{ source: name, destination: `/srv/${name}` }] });
    const bundle = pack(
      writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT, [`${name}/f ile'.txt`]: 'q' }),
      'tar',
    );
    const d = new Deployment(host, 'd-QUOTING01', spec, bundle);
    const places = [host, d.archive, process.cwd()];
    for (const event of ['DownloadBundle', 'Install'] as const) {
      const result = await d.run(event);
      expect(result.json).toEqual(SUCCESS);
      places.push(result.cwd);
    }
    expect(read(join(host, 'srv', name, "f ile'.txt"))).toBe('q');
    for (const dir of places) {
      expect(existsSync(join(dir, 'sd-pwned'))).toBe(false);
      expect(existsSync(join(dir, 'sd-pwned2'))).toBe(false);
    }
  });
});

describe('Install cleanup of the previous deployment', () => {
  it('removes what the previous Install copied, keeping files scripts created and non-empty directories', async () => {
    const host = tempDir();
    const spec = appSpec({ files: [{ source: 'app', destination: '/srv/app' }] });
    const first = await install(host, 'd-CLEANUP01', spec, {
      'app/a.txt': 'a',
      'app/sub/x.txt': 'x',
      'app/empty/e.txt': 'e',
    });
    expect(first.result.json).toEqual(SUCCESS);
    // What a hook script might leave behind.
    writeTree(host, {
      'srv/app/sub/created-by-script.txt': 's',
      'srv/app/log.txt': 'l',
      'srv/app/keep-me': 'k',
    });
    // An interrupted write: a last line without its newline is ignored.
    appendFileSync(join(host, ROOT, 'deployment-instructions', `${GROUP_ID}-cleanup`), '/srv/app/keep-me');
    const second = await install(host, 'd-CLEANUP02', spec, { 'app/new.txt': 'n' });
    expect(second.result.json).toEqual(SUCCESS);
    expect(existsSync(join(host, 'srv/app/a.txt'))).toBe(false);
    expect(existsSync(join(host, 'srv/app/sub/x.txt'))).toBe(false);
    expect(existsSync(join(host, 'srv/app/empty'))).toBe(false);
    expect(read(join(host, 'srv/app/sub/created-by-script.txt'))).toBe('s');
    expect(read(join(host, 'srv/app/log.txt'))).toBe('l');
    expect(read(join(host, 'srv/app/keep-me'))).toBe('k');
    expect(read(join(host, 'srv/app/new.txt'))).toBe('n');
    // /srv/app held the script's files, so it stayed, and the second deployment did not create it.
    expect(cleanupLines(host)).toEqual(['/srv/app/new.txt']);
  });
});

describe('Install permissions', () => {
  it('applies mode only to paths this deployment copied or created, with pattern, except and type', async () => {
    const host = tempDir();
    writeTree(host, { 'srv/app/old.sh': { content: 'old', mode: 0o644 } });
    const uid = String(process.getuid?.() ?? 0);
    const spec = appSpec({
      files: [{ source: 'app', destination: '/srv/app' }],
      permissions: [
        { object: '/srv/app', pattern: '*.sh', except: ['tmp*'], type: ['file'], mode: '750', owner: uid },
        { object: '/srv/app', pattern: '**', except: [], type: ['directory'], mode: '711' },
        { object: '/srv/app/readme.txt', pattern: '**', except: [], type: ['file'], mode: '600' },
      ],
    });
    const { result } = await install(host, 'd-PERMS0001', spec, {
      'app/run.sh': { content: 'r', mode: 0o644 },
      'app/tmp.sh': { content: 't', mode: 0o644 },
      'app/readme.txt': { content: 'd', mode: 0o644 },
      'app/lib/util.sh': { content: 'u', mode: 0o644 },
      'app/lib/deep/more.sh': { content: 'm', mode: 0o644 },
    });
    expect(result.json).toEqual(SUCCESS);
    expect(mode(join(host, 'srv/app/run.sh'))).toBe('750');
    expect(mode(join(host, 'srv/app/tmp.sh'))).toBe('644'); // except
    expect(mode(join(host, 'srv/app/lib/util.sh'))).toBe('644'); // not an immediate child
    expect(mode(join(host, 'srv/app/readme.txt'))).toBe('600'); // a file object
    expect(mode(join(host, 'srv/app/old.sh'))).toBe('644'); // not copied by this deployment
    expect(mode(join(host, 'srv/app/lib'))).toBe('711');
    expect(mode(join(host, 'srv/app/lib/deep'))).toBe('711');
    expect(mode(join(host, 'srv/app'))).toBe('755'); // the object itself is never included
  });

  it('sets acls with setfacl where it exists, and otherwise says they were skipped', async () => {
    const host = tempDir();
    const uid = String(process.getuid?.() ?? 0);
    const spec = appSpec({
      files: [{ source: 'app', destination: '/srv/app' }],
      permissions: [
        { object: '/srv/app', pattern: '**', except: [], type: ['file'], mode: '640', acls: [`u:${uid}:r`] },
      ],
    });
    const { result } = await install(host, 'd-ACLS00001', spec, { 'app/a.txt': 'a' });
    expect(result.json).toEqual(SUCCESS);
    expect(mode(join(host, 'srv/app/a.txt'))).toBe('640');
    if (hasCommand('setfacl')) {
      expect(execFileSync('getfacl', ['-cn', join(host, 'srv/app/a.txt')]).toString()).toContain(
        `user:${uid}:r--`,
      );
    } else {
      expect(result.stderr).toContain(
        'setfacl is not installed, so the acls for /srv/app/a.txt were skipped.',
      );
    }
  });

  it('applies nothing under an object that is neither created nor an existing directory', async () => {
    const host = tempDir();
    const spec = appSpec({
      files: [{ source: 'app', destination: '/srv/app' }],
      permissions: [
        { object: '/srv/elsewhere', pattern: '**', except: [], type: ['file', 'directory'], mode: '700' },
      ],
    });
    const { result } = await install(host, 'd-PERMS0002', spec, {
      'app/a.txt': { content: 'a', mode: 0o644 },
    });
    expect(result.json).toEqual(SUCCESS);
    expect(mode(join(host, 'srv/app/a.txt'))).toBe('644');
  });

  it('fails when two entries set permissions on one path, before copying anything', async () => {
    const host = tempDir();
    const spec = appSpec({
      files: [{ source: 'app', destination: '/srv/app' }],
      permissions: [
        { object: '/srv/app', pattern: '**', except: [], type: ['file'], mode: '700' },
        { object: '/srv/app', pattern: '*.txt', except: [], type: ['file'], mode: '600' },
      ],
    });
    const { result } = await install(host, 'd-PERMS0003', spec, { 'app/a.txt': 'a' });
    expect(result.diagnostics.message).toBe(
      'The deployment failed because the permissions setting for (/srv/app/a.txt) is specified more than once in the application specification file. Update the files section of the AppSpec file, and then try again.',
    );
    expect(existsSync(join(host, 'srv/app/a.txt'))).toBe(false);
  });

  it('fails on a pattern for an object that is a copied file', async () => {
    const host = tempDir();
    const spec = appSpec({
      files: [{ source: 'app', destination: '/srv/app' }],
      permissions: [{ object: '/srv/app/a.txt', pattern: '*.txt', except: [], type: ['file'], mode: '600' }],
    });
    const { result } = await install(host, 'd-PERMS0004', spec, { 'app/a.txt': 'a' });
    expect(result.diagnostics.message).toBe(
      'The deployment failed because the application specification file includes an object (/srv/app/a.txt) with an invalid pattern (*.txt), such as a pattern for a file applied to a directory. Correct the permissions section of the AppSpec file, and then try again.',
    );
  });

  it('fails with UnknownError when the revision was not downloaded', async () => {
    const host = tempDir();
    mkdirSync(join(host, 'srv'));
    writeFileSync(join(host, 'srv', 'x'), 'x');
    const d = new Deployment(host, 'd-NOARCHIV1', appSpec(), { location: '/nonexistent', bundleType: 'tar' });
    const result = await d.run('Install');
    expect(result.diagnostics.errorCode).toBe('UnknownError');
    expect(result.diagnostics.message).toContain('DownloadBundle must succeed before Install');
  });
});

describe('symbolic links installed on the host (point 1 of issue 13)', () => {
  /**
   * A host root two levels below the work directory, and revision A (another application) that
   * installs `x/up -> ../../..`: inside its bundle the link stays in the bundle (the checks accept
   * it), but installed at /x it leads two levels above the host root, to the work directory.
   */
  async function plantEscapingLink() {
    const work = tempDir('sd-escape-');
    const host = join(work, 'outer', 'host');
    mkdirSync(host, { recursive: true });
    const planted = await install(
      host,
      'd-PLANT0001',
      appSpec({ files: [{ source: 'deep/a/b/c', destination: '/x' }] }),
      { 'deep/a/b/c/up': { symlink: '../../..' }, 'deep/a/b/c/readme': 'a' },
      { groupId: 'dg-planter' },
    );
    expect(planted.result.json).toEqual(SUCCESS);
    return { work, host };
  }

  it('another revision installing through the link fails with a clear message, and nothing lands outside the root', async () => {
    const { work, host } = await plantEscapingLink();
    const { result } = await install(
      host,
      'd-VICTIM001',
      appSpec({ files: [{ source: 'payload/x', destination: '/x/up/escaped' }] }),
      { 'payload/x': 'written through the link' },
    );
    expect(result.diagnostics.errorCode).toBe('UnknownError');
    expect(result.diagnostics.message).toBe(
      `The deployment failed because the destination /x/up/escaped leads through a symbolic link to ${work} outside the host root ${host}; stepdeploy does not install through it. Remove the link, or change the destination in the files section of the AppSpec file, and then try again.`,
    );
    expect(existsSync(join(work, 'escaped'))).toBe(false);
  });

  it('a directory of the revision walked onto the link fails the same way', async () => {
    const { work, host } = await plantEscapingLink();
    const { result } = await install(
      host,
      'd-VICTIM002',
      appSpec({ files: [{ source: 'site', destination: '/x' }] }),
      { 'site/up/escaped/x': 'written through the link' },
    );
    expect(result.diagnostics.message).toContain('the destination /x/up leads through a symbolic link');
    expect(existsSync(join(work, 'escaped'))).toBe(false);
  });

  it("the deployment root's instruction files are not written through a link that leads out", async () => {
    const work = tempDir('sd-escape-root-');
    const host = join(work, 'outer', 'host');
    // deployment-instructions is a link, as a revision with destination /opt/codedeploy-agent (or a
    // hook) could leave it, leading two levels above the host root.
    mkdirSync(join(host, ROOT), { recursive: true });
    symlinkSync('../../../../..', join(host, ROOT, 'deployment-instructions'));
    const d = new Deployment(
      host,
      'd-VICTIM003',
      appSpec(),
      pack(writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT }), 'tar'),
    );
    const result = await d.run('DownloadBundle');
    expect(result.diagnostics.message).toBe(
      `The deployment failed because the directory ${ROOT}/deployment-instructions leads through a symbolic link to ${work} outside the host root ${host}; stepdeploy does not write through it. Remove the link, and then try again.`,
    );
    expect(existsSync(join(work, `${GROUP_ID}_most_recent_install`))).toBe(false);
  });

  it('on an instance (no host root) a destination through a link is followed, as the agent does', async () => {
    // The same script run with the host root "/" is what an instance runs: links are the admin's.
    const host = tempDir('sd-real-');
    writeTree(host, { 'srv/real/.keep': '' });
    execFileSync('ln', ['-s', 'real', join(host, 'srv', 'current')]);
    const { result } = await install(
      host,
      'd-FOLLOW001',
      appSpec({ files: [{ source: 'payload/x', destination: '/srv/current' }] }),
      { 'payload/x': 'followed' },
    );
    expect(result.json).toEqual(SUCCESS);
    expect(read(join(host, 'srv/real/x'))).toBe('followed');
  });
});

describe('sparse files (point 6 of issue 13)', () => {
  it('a 500 MB sparse file of a directory bundle stays sparse in bundle.tar, the unpacked revision and the installed copy', async () => {
    const src = writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT, 'data/.keep': '' });
    execFileSync('truncate', ['-s', '500M', join(src, 'data', 'holes.db')]);
    const host = tempDir();
    const d = new Deployment(
      host,
      'd-SPARSE001',
      appSpec({ files: [{ source: 'data', destination: '/srv/data' }] }),
      { location: src, bundleType: 'directory' },
    );
    expect((await d.run('DownloadBundle')).json).toEqual(SUCCESS);
    expect((await d.run('Install')).json).toEqual(SUCCESS);
    expect(statSync(join(host, 'srv/data/holes.db')).size).toBe(500 * 1024 * 1024);
    // Disk actually used by the whole host root, in KiB: the bundle, the revision and the copy.
    const usedKiB = Number(execFileSync('du', ['-sk', host], { encoding: 'utf8' }).split('\t')[0]);
    expect(usedKiB).toBeLessThan(10 * 1024);
  });
});
