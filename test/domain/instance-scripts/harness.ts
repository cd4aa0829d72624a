/**
 * Runs generated instance scripts for real: `sh -c <script>` with STEPDEPLOY_HOST_ROOT pointing at a
 * temporary directory, as the local transport does.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll } from 'vitest';
import type { ServerAppSpec } from '../../../functions/domain/appspec/model.js';
import {
  buildLifecycleEventScript,
  parseDiagnostics,
  type BundleSpec,
  type InstanceEvent,
  type LifecycleDiagnostics,
  type LifecycleEventScriptInput,
} from '../../../functions/domain/instance-scripts/index.js';

const created: string[] = [];
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'sd-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export const ROOT = '/opt/codedeploy-agent/deployment-root';
export const GROUP_ID = 'dg-0001';

export type TreeEntry = string | { content: string; mode?: number } | { symlink: string };

/** Writes files (and symlinks) under a directory; keys are relative paths. */
export function writeTree(dir: string, tree: Record<string, TreeEntry>): string {
  for (const [path, entry] of Object.entries(tree)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof entry === 'string') writeFileSync(full, entry);
    else if ('symlink' in entry) symlinkSync(entry.symlink, full);
    else {
      writeFileSync(full, entry.content);
      if (entry.mode !== undefined) chmodSync(full, entry.mode);
    }
  }
  return dir;
}

/**
 * Live processes (zombies excluded) whose environment has SD_TEST_MARK=<mark>: everything a test's
 * script started, whatever its process group or session. Linux only (reads /proc).
 */
export function markedProcesses(mark: string): number[] {
  const wanted = `SD_TEST_MARK=${mark}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(wanted))
        pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface ZipEntry {
  name: string;
  /** File content, or a symbolic link's target; absent for a directory (name ends with /). */
  data?: Buffer;
  mode: number;
}

/** A stored (uncompressed) zip with Unix modes, for machines without the zip CLI. */
export function writeZip(path: string, entries: ZipEntry[]): void {
  writeFileSync(path, zipBytes(entries));
}

/**
 * The bytes of a stored (uncompressed) zip with Unix modes in the external attributes (0o120777 for a
 * symlink, as `zip -y` writes it): it can hold names the zip CLI would clean up. Default mode 0o100644.
 */
export function zipBytes(entries: Array<{ name: string; data?: Buffer | string; mode?: number }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data =
      typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : (entry.data ?? Buffer.alloc(0));
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((entry.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function zipEntries(dir: string, base = dir): ZipEntry[] {
  return readdirSync(dir).flatMap((name): ZipEntry[] => {
    const full = join(dir, name);
    const rel = relative(base, full);
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) return [{ name: rel, data: Buffer.from(readlinkSync(full)), mode: 0o120777 }];
    if (stat.isDirectory()) return [{ name: `${rel}/`, mode: 0o40755 }, ...zipEntries(full, base)];
    return [{ name: rel, data: readFileSync(full), mode: stat.mode }];
  });
}

/**
 * Packs a directory's contents: tar and tgz with the tar CLI, zip with the zip CLI when the machine
 * has one (else a stored zip written here); a directory bundle is the directory itself.
 */
export function pack(dir: string, bundleType: BundleSpec['bundleType']): BundleSpec {
  if (bundleType === 'directory') return { location: dir, bundleType };
  const out = join(tempDir('sd-bundle-'), `bundle.${bundleType}`);
  if (bundleType === 'zip') {
    if (hasCommand('zip')) execFileSync('zip', ['-qry', out, '.'], { cwd: dir });
    else writeZip(out, zipEntries(dir));
  } else execFileSync('tar', [bundleType === 'tgz' ? '-czf' : '-cf', out, '-C', dir, '.']);
  return { location: out, bundleType };
}

export const APPSPEC_TEXT = 'version: 0.0\nos: linux\n';

export function appSpec(partial: Partial<ServerAppSpec> = {}): ServerAppSpec {
  return { platform: 'server', version: 0, os: 'linux', files: [], permissions: [], hooks: {}, ...partial };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  diagnostics: LifecycleDiagnostics;
  /** The raw JSON line. */
  json: Record<string, unknown>;
  /** The fresh working directory the script ran in (where an injected relative command would write). */
  cwd: string;
}

export function runScript(
  script: string,
  hostRoot: string,
  env: Record<string, string> = {},
): Promise<RunResult> {
  const cwd = tempDir('sd-cwd-');
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.STEPDEPLOY_TEST_SHELL ?? 'sh', ['-c', script], {
      cwd,
      env: { ...process.env, ...env, STEPDEPLOY_HOST_ROOT: hostRoot },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
      } catch {
        // parseDiagnostics reports it.
      }
      resolve({ code, stdout, stderr, diagnostics: parseDiagnostics(stdout), json, cwd });
    });
    child.stdin.end();
  });
}

/** One deployment of a bundle to one host, event by event. */
export class Deployment {
  readonly id: string;
  constructor(
    readonly host: string,
    id: string,
    readonly spec: ServerAppSpec,
    readonly bundle: BundleSpec,
    readonly options: Partial<
      Omit<LifecycleEventScriptInput, 'event' | 'appSpec' | 'bundle' | 'deployment'>
    > & {
      creator?: string;
      deploymentType?: 'IN_PLACE' | 'BLUE_GREEN';
      /** Another deployment group (another application) on the same host; default GROUP_ID. */
      groupId?: string;
      /** Merged into the bundle by test helpers (S3 metadata on a local bundle). */
      bundleExtra?: Partial<BundleSpec>;
    } = {},
  ) {
    this.id = id;
  }

  script(event: InstanceEvent): string {
    const { creator, deploymentType, groupId, bundleExtra: _bundleExtra, ...rest } = this.options;
    return buildLifecycleEventScript({
      event,
      deployment: {
        deploymentId: this.id,
        applicationName: 'my-app',
        deploymentGroupName: 'my-group',
        deploymentGroupId: groupId ?? GROUP_ID,
        deploymentType: deploymentType ?? 'IN_PLACE',
        creator: creator ?? 'user',
      },
      appSpec: this.spec,
      bundle: this.bundle,
      ...rest,
    });
  }

  run(event: InstanceEvent, env: Record<string, string> = {}): Promise<RunResult> {
    return runScript(this.script(event), this.host, env);
  }

  /** Runs the events in order and returns the first failure, or the last result. */
  async runAll(events: InstanceEvent[], env: Record<string, string> = {}): Promise<RunResult> {
    let last: RunResult | undefined;
    for (const event of events) {
      last = await this.run(event, env);
      if (last.diagnostics.errorCode !== 'Success') return last;
    }
    if (last === undefined) throw new Error('no events');
    return last;
  }

  get dir(): string {
    return join(this.host, ROOT, this.options.groupId ?? GROUP_ID, this.id);
  }

  get archive(): string {
    return join(this.dir, 'deployment-archive');
  }

  scriptsLog(): string {
    return readFileSync(join(this.dir, 'logs', 'scripts.log'), 'utf8');
  }
}

export function instructions(host: string, name: string): string {
  return readFileSync(join(host, ROOT, 'deployment-instructions', name), 'utf8');
}

export const INSTALL_EVENTS: InstanceEvent[] = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
];
export const ALL_EVENTS: InstanceEvent[] = [
  ...INSTALL_EVENTS,
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
];
