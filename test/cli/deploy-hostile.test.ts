/**
 * Hostile revisions against the real `stepdeploy deploy` on local hosts (issue 13, points 1, 6, 7
 * and 8): what the deployment reports, and what is (not) on disk afterwards. Each test has its own
 * state directory, so they run side by side.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { stopHostProcesses } from '../../local/hosts/processes.js';
import { tempDir, writeTree } from '../domain/instance-scripts/harness.js';
import { runCliAsync } from './run-cli.js';

const stateDirs: string[] = [];
afterAll(async () => {
  for (const stateDir of stateDirs) await stopHostProcesses(join(stateDir, 'hosts'), 0);
});

function newStateDir(): string {
  const stateDir = join(tempDir('sd-hostile-'), 'state');
  stateDirs.push(stateDir);
  return stateDir;
}

interface EventView {
  name: string;
  status: string;
  errorCode: string | null;
  message: string | null;
}

async function deploy(revision: string, stateDir: string, ...args: string[]) {
  const result = await runCliAsync(['deploy', revision, '--state-dir', stateDir, '--json', ...args], {
    timeoutMs: 120_000,
  });
  const view = JSON.parse(result.stdout) as {
    status: string;
    errorCode: string | null;
    errorMessage: string | null;
    instances: Array<{ id: string; events: EventView[] }>;
  };
  return { result, view };
}

const hostRoot = (stateDir: string) => join(stateDir, 'hosts', 'host-1', 'root');
const DEPLOYMENT_ROOT = 'opt/codedeploy-agent/deployment-root';

/** Prepare refused the revision: nothing ran on the host, nothing was written there. */
function expectUntouched(stateDir: string, view: { instances: unknown[] }): void {
  expect(view.instances).toEqual([]);
  expect(existsSync(join(hostRoot(stateDir), DEPLOYMENT_ROOT))).toBe(false);
}

describe.concurrent('point 1: a symbolic link installed by one application', () => {
  it("is not written through by another application's revision, which fails with a clear message", async () => {
    const stateDir = newStateDir();
    // Application A: `up -> ../../..` stays inside A's bundle, but installed at /x it leads out of
    // the host root (to <state>/hosts).
    const planter = writeTree(join(tempDir(), 'planter'), {
      'appspec.yml': 'version: 0.0\nos: linux\nfiles:\n  - source: deep/a/b/c\n    destination: /x\n',
      'deep/a/b/c/readme': 'a',
    });
    symlinkSync('../../..', join(planter, 'deep/a/b/c/up'));
    expect((await deploy(planter, stateDir)).view.status).toBe('Succeeded');

    // Application B, on the same hosts: a file whose destination goes through the link.
    const victim = writeTree(join(tempDir(), 'victim'), {
      'appspec.yml':
        'version: 0.0\nos: linux\nfiles:\n  - source: payload/x\n    destination: /x/up/escaped\n',
      'payload/x': 'must stay inside the host root',
    });
    const { result, view } = await deploy(victim, stateDir);

    expect(result.code).toBe(1);
    const install = view.instances[0]?.events.find((event) => event.name === 'Install');
    expect(install).toMatchObject({ status: 'Failed', errorCode: 'UnknownError' });
    expect(install?.message).toBe(
      `The deployment failed because the destination /x/up/escaped leads through a symbolic link to ${join(stateDir, 'hosts')} outside the host root ${hostRoot(stateDir)}; stepdeploy does not install through it. Remove the link, or change the destination in the files section of the AppSpec file, and then try again.`,
    );
    expect(existsSync(join(stateDir, 'hosts', 'escaped'))).toBe(false);
  });
});

describe.concurrent('point 7: an unsafe value fails as INVALID_REVISION before any host is touched', () => {
  // Every kind of unsafe value is checked by the validator (test/domain/appspec/script-values.test.ts);
  // this is the whole path: Prepare refuses the revision and no event runs on the host.
  it('owner: "root;touch x"', async () => {
    const stateDir = newStateDir();
    const revision = writeTree(join(tempDir(), 'unsafe'), {
      'appspec.yml': 'version: 0.0\nos: linux\npermissions:\n  - object: /srv\n    owner: "root;touch x"\n',
      'app/index.html': 'x',
    });
    const { result, view } = await deploy(revision, stateDir);
    expect(result.code).toBe(1);
    expect(view).toMatchObject({ status: 'Failed', errorCode: 'INVALID_REVISION' });
    expect(view.errorMessage).toContain('The AppSpec file is invalid: permissions[0].owner');
    expect(view.errorMessage).toContain('"root;touch x" is not a name stepdeploy accepts');
    expectUntouched(stateDir, view);
  });
});

describe.concurrent("point 8: the archive's setuid bits and owners", () => {
  it('are not installed unless the permissions section asks for them (stricter than the agent)', async () => {
    const stateDir = newStateDir();
    const src = writeTree(tempDir(), {
      'appspec.yml':
        'version: 0.0\nos: linux\nfiles:\n  - source: bin\n    destination: /opt/tools\npermissions:\n  - object: /opt/tools\n    pattern: "asked*"\n    mode: "4755"\n',
      'bin/suid': { content: '#!/bin/sh\n', mode: 0o4755 },
      'bin/open': { content: 'anyone', mode: 0o777 },
      'bin/theirs': 'uid 1000',
      'bin/asked-suid': { content: '#!/bin/sh\n', mode: 0o755 },
    });
    chmodSync(join(src, 'bin/suid'), 0o4755);
    const bundle = join(tempDir(), 'tools.tar');
    execFileSync('tar', ['-cf', bundle, '-C', src, 'appspec.yml', 'bin/suid', 'bin/open', 'bin/asked-suid']);
    execFileSync('tar', ['-rf', bundle, '--owner=1000', '--group=1000', '-C', src, 'bin/theirs']);

    const { view } = await deploy(bundle, stateDir);

    expect(view.status).toBe('Succeeded');
    const installed = (name: string) => statSync(join(hostRoot(stateDir), 'opt/tools', name));
    const mode = (name: string) => (installed(name).mode & 0o7777).toString(8);
    expect(mode('suid')).toBe('755');
    expect(mode('open')).toBe('777');
    expect(mode('asked-suid')).toBe('4755');
    expect(installed('theirs').uid).toBe(process.getuid?.() ?? 0);
  });
});

/** A zip of one member of `size` zero bytes, deflated (1000:1 and more). */
function zeroBomb(path: string, size: number): void {
  const name = Buffer.from('zeros.bin');
  const appspec = Buffer.from('version: 0.0\nos: linux\n');
  const members = [
    { name: Buffer.from('appspec.yml'), content: appspec, data: appspec, method: 0 },
    { name, content: Buffer.alloc(size), data: deflateRawSync(Buffer.alloc(size)), method: 8 },
  ];
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const member of members) {
    const crc = crc32(member.content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(member.method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(member.data.length, 18);
    local.writeUInt32LE(member.content.length, 22);
    local.writeUInt16LE(member.name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(member.method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(member.data.length, 20);
    central.writeUInt32LE(member.content.length, 24);
    central.writeUInt16LE(member.name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, member.name, member.data);
    centrals.push(central, member.name);
    offset += local.length + member.name.length + member.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(path, Buffer.concat([...locals, directory, end]));
}

describe.concurrent('point 6: limits', () => {
  it('a zip bomb is refused in Prepare by its compression ratio: no host gets a byte of it', async () => {
    const stateDir = newStateDir();
    const bomb = join(tempDir(), 'bomb.zip');
    zeroBomb(bomb, 64 * 1024 ** 2);
    expect(statSync(bomb).size).toBeLessThan(1024 ** 2);
    const { result, view } = await deploy(bomb, stateDir);
    expect(result.code).toBe(1);
    expect(view).toMatchObject({ status: 'Failed', errorCode: 'INVALID_REVISION' });
    expect(view.errorMessage).toMatch(
      /a compression ratio over \d+:1, beyond the limit of 100:1 \(a zip bomb looks like this\); nothing was unpacked\. Raise the limit \(stepdeploy deploy --max-compression-ratio\)/,
    );
    expectUntouched(stateDir, view);
  });

  it('--max-log-size caps scripts.log, keeping the newest lines', async () => {
    const stateDir = newStateDir();
    const revision = writeTree(join(tempDir(), 'chatty'), {
      'appspec.yml': 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: chatty.sh\n',
      'chatty.sh': {
        content:
          '#!/bin/sh\nawk \'BEGIN { for (i = 1; i <= 8000; i++) printf "line %06d %s\\n", i, sprintf("%80s", "x") }\'\necho done-writing\n',
        mode: 0o755,
      },
    });
    const { view } = await deploy(revision, stateDir, '--max-log-size', '128KiB');
    expect(view.status).toBe('Succeeded');
    // The group's directory is named after its id, a UUID as CodeDeploy's: the one there is.
    const [groupId] = execFileSync('ls', [join(hostRoot(stateDir), DEPLOYMENT_ROOT)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((name) => name !== 'deployment-instructions');
    expect(groupId).toMatch(/^[0-9a-f-]{36}$/);
    const groupDir = join(hostRoot(stateDir), DEPLOYMENT_ROOT, groupId ?? '');
    const [deploymentDir] = execFileSync('ls', [groupDir], { encoding: 'utf8' }).trim().split('\n');
    const log = readFileSync(join(groupDir, deploymentDir ?? '', 'logs', 'scripts.log'), 'utf8');
    expect(Buffer.byteLength(log)).toBeLessThan(128 * 1024 + 40 * 1024);
    expect(log).toContain('[stdout]done-writing');
    expect(log).toContain('older lines were removed');
  });
});

describe.concurrent('point 10: a revision that is no Server revision', () => {
  it('a Lambda AppSpec in an archive is named as such by Prepare, not as an unsupported operating system', async () => {
    const stateDir = newStateDir();
    const dir = join(tempDir(), 'lambda');
    mkdirSync(dir);
    writeFileSync(join(dir, 'appspec.yml'), readFileSync('examples/lambda/appspec.yml'));
    const bundle = join(tempDir(), 'lambda.tar');
    execFileSync('tar', ['-cf', bundle, '-C', dir, 'appspec.yml']);
    const { view } = await deploy(bundle, stateDir);
    expect(view).toMatchObject({ status: 'Failed', errorCode: 'INVALID_REVISION' });
    expect(view.errorMessage).toContain("The revision's AppSpec is for the Lambda compute platform");
    expect(view.errorMessage).not.toContain('unsupported operating system');
  });
});
