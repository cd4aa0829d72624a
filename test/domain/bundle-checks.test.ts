import { describe, expect, it } from 'vitest';
import {
  appSpecEntryPath,
  checkBundleEntries,
  resolveBundleFile,
  topDirectoryToStrip,
  type BundleEntry,
} from '../../functions/domain/bundle-checks.js';
import type { BundleEntry as PortBundleEntry } from '../../functions/ports/revision-source.js';

const file = (path: string): BundleEntry => ({ path, type: 'file' });
const dir = (path: string): BundleEntry => ({ path, type: 'directory' });
const symlink = (path: string, linkTarget: string): BundleEntry => ({ path, type: 'symlink', linkTarget });
const hardlink = (path: string, linkTarget: string): BundleEntry => ({ path, type: 'hardlink', linkTarget });
const other = (path: string): BundleEntry => ({ path, type: 'other' });

describe('checkBundleEntries', () => {
  const unsafe: Array<[string, BundleEntry[], string[]]> = [
    ['a .. segment', [file('../evil')], ['"../evil": the path has a ".." segment']],
    ['a .. segment in the middle', [file('app/../../x')], ['"app/../../x": the path has a ".." segment']],
    [
      'a .. segment that stays inside (refused like the agent does)',
      [file('a/../b')],
      ['"a/../b": the path has a ".." segment'],
    ],
    [
      'a backslash .. segment (unzip makes directories of backslashes)',
      [file('..\\evil')],
      ['"..\\\\evil": the path has a ".." segment'],
    ],
    ['a leading slash', [file('/etc/x')], ['"/etc/x": the path is absolute']],
    ['a Windows drive', [file('C:\\Windows\\x')], ['"C:\\\\Windows\\\\x": the path is absolute']],
    ['a Windows drive with a forward slash', [file('c:/x')], ['"c:/x": the path is absolute']],
    ['a UNC root', [file('\\\\server\\share\\x')], ['"\\\\\\\\server\\\\share\\\\x": the path is absolute']],
    ['a device or FIFO', [other('dev/tty0')], ['"dev/tty0": a device, FIFO or other special file']],
    [
      'a symlink to an absolute path',
      [symlink('link', '/etc/passwd')],
      ['"link" -> "/etc/passwd": a symbolic link to an absolute path'],
    ],
    [
      'a symlink resolving outside the root',
      [dir('a/'), symlink('a/link', '../../etc/passwd')],
      ['"a/link" -> "../../etc/passwd": a symbolic link that resolves outside the bundle'],
    ],
    [
      'a symlink to the parent of the root',
      [symlink('up', '..')],
      ['"up" -> "..": a symbolic link that resolves outside the bundle'],
    ],
    [
      'a symlink that escapes through another symlink (d -> ., e -> d/../x)',
      [symlink('d', '.'), symlink('e', 'd/../x')],
      ['"e" -> "d/../x": a symbolic link that resolves outside the bundle'],
    ],
    [
      'a symlink that escapes through a symlinked directory',
      [dir('deep/'), dir('deep/er/'), symlink('shallow', 'deep/er'), symlink('esc', 'shallow/../../..')],
      ['"esc" -> "shallow/../../..": a symbolic link that resolves outside the bundle'],
    ],
    [
      'a symlink without a target',
      [symlink('empty', '')],
      ['"empty" -> "": a symbolic link without a target'],
    ],
    [
      'a hard link to an absolute path',
      [hardlink('h', '/etc/shadow')],
      ['"h" -> "/etc/shadow": a hard link to an absolute path'],
    ],
    [
      'a hard link that climbs out (hard link targets are relative to the archive root)',
      [dir('a/'), hardlink('a/h', '../x')],
      ['"a/h" -> "../x": a hard link that resolves outside the bundle'],
    ],
    [
      'a file written through a symlinked directory that leads outside',
      [symlink('d', '../..'), file('d/passwd')],
      [
        '"d" -> "../..": a symbolic link that resolves outside the bundle',
        '"d/passwd": its directory is a symbolic link that leads outside the bundle',
      ],
    ],
    [
      "after the top-directory strip, a link to that directory's parent leaves the revision",
      [dir('app/'), file('app/appspec.yml'), symlink('app/up', '..')],
      ['"app/up" -> "..": a symbolic link that resolves outside the bundle'],
    ],
    [
      'after the strip, a link that passes through the stripped level leaves the revision',
      [dir('app/'), file('app/appspec.yml'), file('app/x'), symlink('app/l', '../app/x')],
      ['"app/l" -> "../app/x": a symbolic link that resolves outside the bundle'],
    ],
    [
      'one message per unsafe entry, in listing order',
      [file('../a'), file('ok'), file('/b'), other('fifo')],
      [
        '"../a": the path has a ".." segment',
        '"/b": the path is absolute',
        '"fifo": a device, FIFO or other special file',
      ],
    ],
  ];
  it.each(unsafe)('reports %s', (_name, entries, messages) => {
    expect(checkBundleEntries(entries)).toEqual(messages);
  });

  const safe: Array<[string, BundleEntry[]]> = [
    ['plain files and directories', [dir('app/'), file('app/a.txt'), file('appspec.yml'), dir('scripts')]],
    [
      'tar-style ./ prefixes',
      [dir('./'), file('./appspec.yml'), dir('./scripts/'), file('./scripts/start.sh')],
    ],
    ['a relative symlink inside', [file('a/b/target'), symlink('a/link', 'b/target')]],
    ['a symlink with .. that stays inside', [file('shared/x'), dir('a/'), symlink('a/link', '../shared/x')]],
    ['a symlink to the root itself', [symlink('self', '.')]],
    ['a dangling symlink inside', [symlink('later', 'not-there-yet')]],
    [
      'a symlink loop (the kernel refuses it; it cannot leave the bundle)',
      [symlink('a', 'b'), symlink('b', 'a')],
    ],
    ['a hard link to another member', [file('a/x'), hardlink('a/y', 'a/x')]],
    ['a name that only contains dots', [file('..hidden'), file('x..y'), file('.../z')]],
    ['names with a colon that is not a drive', [file('app/C:x'), file('1:2')]],
    [
      'after the strip, a link inside the stripped directory',
      [dir('app/'), file('app/appspec.yml'), file('app/x'), symlink('app/l', 'x')],
    ],
    ['an empty bundle', []],
  ];
  it.each(safe)('accepts %s', (_name, entries) => {
    expect(checkBundleEntries(entries)).toEqual([]);
  });

  it('takes the entries of the port type as they are (same shape)', () => {
    const entries: PortBundleEntry[] = [{ path: '../x', type: 'file' }];
    expect(checkBundleEntries(entries)).toHaveLength(1);
  });
});

describe('appSpecEntryPath', () => {
  const cases: Array<[string, BundleEntry[], string | undefined]> = [
    ['appspec.yml at the root', [file('appspec.yml'), file('x')], 'appspec.yml'],
    [
      'appspec.yaml before appspec.yml (reference §1.1 lookup order)',
      [file('appspec.yml'), file('appspec.yaml')],
      'appspec.yaml',
    ],
    ['a tar-style ./appspec.yml, as stored', [dir('./'), file('./appspec.yml')], './appspec.yml'],
    [
      'a single top directory holding appspec.yml is stripped',
      [dir('app/'), file('app/appspec.yml'), file('app/x')],
      'app/appspec.yml',
    ],
    [
      'the strip also with ./ prefixes',
      [dir('./'), dir('./app/'), file('./app/appspec.yml')],
      './app/appspec.yml',
    ],
    [
      'the strip with no directory entry (implied by its members)',
      [file('app/appspec.yml'), file('app/s/x')],
      'app/appspec.yml',
    ],
    ['no strip with two root entries', [dir('app/'), file('app/appspec.yml'), file('README')], undefined],
    ['no strip two levels down', [file('a/b/appspec.yml')], undefined],
    [
      'no strip when the top entry is a symlink',
      [symlink('app', 'real'), file('app/appspec.yml')],
      undefined,
    ],
    [
      'the strip when an AppSpec-like name (/appspec/i) but no appspec.yml is there: nothing found',
      [dir('app/'), file('app/AppSpec-notes.txt')],
      undefined,
    ],
    [
      'the strip, then appspec.yaml first',
      [file('app/appspec.yml'), file('app/appspec.yaml')],
      'app/appspec.yaml',
    ],
    ['names are case-sensitive, as on the instance', [file('AppSpec.yml')], undefined],
    [
      'a directory named appspec.yml is not the AppSpec',
      [dir('appspec.yml/'), file('appspec.yml/x')],
      undefined,
    ],
    [
      'a symlink named appspec.yml counts (the agent follows it)',
      [file('real.yml'), symlink('appspec.yml', 'real.yml')],
      'appspec.yml',
    ],
    ['no AppSpec at all', [file('index.html')], undefined],
    ['an empty bundle', [], undefined],
  ];
  it.each(cases)('%s', (_name, entries, expected) => {
    expect(appSpecEntryPath(entries)).toBe(expected);
  });
});

describe('topDirectoryToStrip', () => {
  const cases: Array<[string, BundleEntry[], string | undefined]> = [
    ['a single directory with an appspec-like file', [dir('app/'), file('app/APPSPEC.yml')], 'app'],
    ['a single directory without one', [dir('app/'), file('app/index.html')], undefined],
    ['a single file', [file('appspec.yml')], undefined],
    ['two root entries', [file('app/appspec.yml'), file('other/x')], undefined],
    ['an appspec-like directory does not count', [dir('app/'), dir('app/appspec.d/')], undefined],
  ];
  it.each(cases)('%s', (_name, entries, expected) => {
    expect(topDirectoryToStrip(entries)).toBe(expected);
  });
});

describe('resolveBundleFile', () => {
  const cases: Array<[string, BundleEntry[], string, string | undefined]> = [
    ['a regular file', [file('appspec.yml')], 'appspec.yml', 'appspec.yml'],
    [
      'through a symlink',
      [file('conf/real.yml'), symlink('appspec.yml', 'conf/real.yml')],
      'appspec.yml',
      'conf/real.yml',
    ],
    [
      'through a hard link (root-relative)',
      [file('a/real.yml'), hardlink('a/appspec.yml', 'a/real.yml')],
      'a/appspec.yml',
      'a/real.yml',
    ],
    [
      'through a symlinked directory',
      [file('v1/appspec.yml'), symlink('cur', 'v1')],
      'cur/appspec.yml',
      'v1/appspec.yml',
    ],
    ['not outside the bundle', [symlink('appspec.yml', '../appspec.yml')], 'appspec.yml', undefined],
    ['not to an absolute path', [symlink('appspec.yml', '/etc/passwd')], 'appspec.yml', undefined],
    ['not through a loop', [symlink('a', 'b'), symlink('b', 'a')], 'a', undefined],
    ['not to a directory', [dir('d/'), symlink('appspec.yml', 'd')], 'appspec.yml', undefined],
    ['not to a missing member', [symlink('appspec.yml', 'gone.yml')], 'appspec.yml', undefined],
  ];
  it.each(cases)('%s', (_name, entries, path, expected) => {
    expect(resolveBundleFile(entries, path)?.path).toBe(expected);
  });
});
