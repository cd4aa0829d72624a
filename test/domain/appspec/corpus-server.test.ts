import { expect, it } from 'vitest';
import type { AppSpecIssue } from '../../../functions/domain/appspec/issues.js';
import { validateServerAppSpec } from '../../../functions/domain/appspec/server.js';
import { parseAppSpecSource } from '../../../functions/domain/appspec/source.js';
import {
  corpusAvailable,
  corpusMissingNotice,
  describeCorpus,
  manifestRows,
  readCorpusFile,
} from './corpus.js';

interface Entry {
  file: string;
  note: string;
}

const entries: Entry[] = manifestRows()
  .filter((columns) => columns[4] === 'server')
  .map((columns) => ({ file: columns[0] ?? '', note: columns[5] ?? '' }));

const validateFile = (file: string) => validateServerAppSpec(parseAppSpecSource(readCorpusFile(file)));

/** An issue the validator must report; `fragment` is part of the message. */
interface Expected {
  severity: 'error' | 'warning';
  code: string;
  path?: string;
  fragment: string;
}

const error = (fragment: string, path?: string): Expected => ({
  severity: 'error',
  code: 'INVALID_REVISION',
  fragment,
  ...(path !== undefined ? { path } : {}),
});
const warning = (code: string, path: string, fragment = ''): Expected => ({
  severity: 'warning',
  code,
  path,
  fragment,
});

// Our hosts run the Linux agent, which rejects `os: windows` (reference §1.2.1).
const WINDOWS_OS = error('unsupported operating system (windows)', 'os');
const EMPTY = error('application specification file was empty', '');
const INVALID_YAML = error('not valid YAML', '');
const NO_VERSION = error('invalid version value ()', 'version');
const NO_OS = error('unsupported operating system ()', 'os');

/**
 * What each `suspect:` note names, as an error where CodeDeploy rejects the file and as a warning
 * where it only ignores the problem. Comments mark where we follow the reference over the note.
 */
const SUSPECTS: Record<string, Expected[]> = {
  'server/010-windows-install-hook.yml': [
    WINDOWS_OS,
    warning('NOT_SCRIPTABLE_LIFECYCLE_EVENT', 'hooks.Install', 'Install'),
  ],
  'server/013-windows-runas-admin.yml': [
    WINDOWS_OS,
    warning('RUNAS_ON_WINDOWS', 'hooks.BeforeInstall[0].runas'),
  ],
  'server/025-permissions-except-acls-bad-feb.yml': [
    error('invalid file_exists_behavior value (DISALLOW|OVERWRITE|RETAIN)', 'file_exists_behavior'),
    // Not in the note, but the reference says an except glob containing '/' never matches.
    warning('EXCEPT_NEVER_MATCHES', 'permissions[2].except[0]'),
  ],
  'server/035-comment-only-empty.yml': [EMPTY],
  'server/080-plain-scalar-doc.yaml': [error('not a mapping', ''), NO_VERSION, NO_OS],
  'server/094-missing-os.yml': [NO_OS],
  'server/096-windows-install-hook-ws-lines.yml': [
    WINDOWS_OS,
    warning('NOT_SCRIPTABLE_LIFECYCLE_EVENT', 'hooks.Install'),
  ],
  'server/098-commented-hook-install-trailing-ws.yml': [
    warning('NOT_SCRIPTABLE_LIFECYCLE_EVENT', 'hooks.Install'),
  ],
  'server/106-windows-crlf-runas.yml': [
    WINDOWS_OS,
    warning('RUNAS_ON_WINDOWS', 'hooks.BeforeInstall[0].runas', 'Administrator'),
  ],
  'server/107-windows-two-scripts-runas.yml': [
    WINDOWS_OS,
    warning('RUNAS_ON_WINDOWS', 'hooks.BeforeInstall[0].runas'),
    warning('RUNAS_ON_WINDOWS', 'hooks.BeforeInstall[1].runas'),
  ],
  // The agent copies '/backend/*' literally; only the bundle can tell whether that fails, so a warning.
  'server/111-glob-source.yml': [warning('GLOB_IN_SOURCE', 'files[0].source', '/backend/*')],
  // A DigitalOcean spec is a mapping: the agent reports the missing version (and we the os too).
  'server/112-digitalocean-app-spec.yml': [NO_VERSION, NO_OS, warning('UNKNOWN_KEY', 'services')],
  'server/114-timeout-5000.yml': [
    warning('HOOK_TIMEOUT_EXCEEDS_3600', 'hooks.AfterInstall[0].timeout', '5000'),
  ],
  'server/117-typo-file-exist-behavior.yml': [
    warning('UNKNOWN_KEY', 'file_exist_behavior', "Did you mean 'file_exists_behavior'?"),
    warning('UNKNOWN_KEY', 'files[0].overwrite'),
    // "mode 755 without pattern" is fine: pattern defaults to ** (reference §1.2.4).
  ],
  'server/120-relative-destination-dot.yml': [warning('RELATIVE_DESTINATION', 'files[0].destination', '.')],
  'server/121-timeouts-30000-overlapping-dests.yml': [
    warning('HOOK_TIMEOUT_EXCEEDS_3600', 'hooks.BeforeInstall[0].timeout', '30000'),
    // The note's 3000 is within the 3600-second limit, and whether '/' copied into nested
    // destinations collides depends on the bundle's contents: neither is reported (see below).
  ],
  'server/123-timeouts-6000-many-scripts.yml': [
    warning('HOOK_TIMEOUT_EXCEEDS_3600', 'hooks.BeforeInstall[0].timeout', '6000'),
    warning('HOOK_TIMEOUT_EXCEEDS_3600', 'hooks.AfterInstall[3].timeout', '6000'),
    warning('HOOK_TIMEOUT_SUM_EXCEEDS_3600', 'hooks.AfterInstall', '24000'),
    warning('HOOK_TIMEOUT_EXCEEDS_3600', 'hooks.ApplicationStart[0].timeout', '6000'),
  ],
  // The runas typo 'ex2-user' cannot be told from a real user without the host: not reported.
  'server/124-version-1.0.0-runas-typo.yml': [error('invalid version value (1.0.0)', 'version')],
  'server/130-typos-behaviour-afterintall.yml': [
    warning('UNKNOWN_KEY', 'file_exists_behaviour', "Did you mean 'file_exists_behavior'?"),
    warning('UNKNOWN_LIFECYCLE_EVENT', 'hooks.AfterIntall', 'Did you mean AfterInstall?'),
  ],
  'server/134-old-template-version-0.1.yml': [error('invalid version value (0.1)', 'version')],
  // JSON is YAML, so the file parses (reference §1.1); the ECS part is an ignored key on EC2.
  'server/139-json-hybrid-ecs-ec2.yaml': [
    warning('UNKNOWN_KEY', 'Resources', 'Lambda and ECS'),
    warning('RELATIVE_DESTINATION', 'files[0].destination', 'web/index.php'),
  ],
  'server/140-unfilled-template-empty-values.yml': [
    error('script with no location value', 'hooks.ApplicationStop[0].location'),
    error('specifies a destination file, but no source file', 'files[0].source'),
    error('specifies only a source file ()', 'files[0].destination'),
    error('has no object value', 'permissions[0].object'),
    error('not supported for permissions ()', 'permissions[0].type[0]'),
    error('Invalid acl entry ()', 'permissions[0].acls[0]'),
    error('invalid context type ({"user"=>nil, "type"=>nil, "range"=>nil})', 'permissions[0].context'),
    warning('UNKNOWN_KEY', 'permissions[0].context.user', "'name'"),
  ],
  'server/141-buildspec-key-mixed.yml': [warning('UNKNOWN_KEY', 'pre_build')],
  'server/146-leading-indent-version.yml': [INVALID_YAML],
  // Invalid YAML, so the misspelled 'permission' key is never reached.
  'server/148-invalid-indent-permissions-crlf.yml': [INVALID_YAML],
  'server/147-typo-permission-singular-crlf.yml': [
    warning('UNKNOWN_KEY', 'permission', "Did you mean 'permissions'?"),
  ],
  // The quoted mode "0755" in the note is the right way to write a mode; only the nesting is a problem.
  'server/149-permissions-nested-in-files.yml': [
    warning('UNKNOWN_KEY', 'files[0].permissions', "'permissions'"),
  ],
  'server/150-empty-newlines-only.yml': [EMPTY],
};

const isSuspect = (entry: Entry) => entry.note.startsWith('suspect:');
const isWindowsOsError = (issue: AppSpecIssue) => issue.path === 'os' && issue.message.includes('(windows)');

if (!corpusAvailable) corpusMissingNotice('server AppSpec');

describeCorpus('the server AppSpec corpus', () => {
  it('lists server files, and every suspect one has an expectation', () => {
    expect(entries.length).toBeGreaterThan(0);
    expect(Object.keys(SUSPECTS).sort()).toEqual(
      entries
        .filter(isSuspect)
        .map((e) => e.file)
        .sort(),
    );
  });

  it.each(entries.map((entry) => [entry.file, entry] as const))(
    '%s validates without throwing, with only INVALID_REVISION errors',
    (_file, entry) => {
      const result = validateFile(entry.file);
      expect(result.errors.every((issue) => issue.code === 'INVALID_REVISION')).toBe(true);
      expect(result.appSpec === undefined).toBe(result.errors.length > 0);
      if (!isSuspect(entry)) {
        // Unremarkable files are valid, except that Windows files fail on our Linux agent.
        expect(result.errors.filter((issue) => !isWindowsOsError(issue))).toEqual([]);
      }
    },
  );

  it.each(entries.filter(isSuspect).map((entry) => [entry.file, entry.note.slice(0, 70)] as const))(
    '%s reports what the note names (%s)',
    (file) => {
      const result = validateFile(file);
      for (const expected of SUSPECTS[file] ?? []) {
        const issues = expected.severity === 'error' ? result.errors : result.warnings;
        expect(issues).toContainEqual(
          expect.objectContaining({
            code: expected.code,
            message: expect.stringContaining(expected.fragment) as unknown,
            ...(expected.path !== undefined ? { path: expected.path } : {}),
          }),
        );
      }
    },
  );

  it('rejects the files CodeDeploy rejects and accepts those it only ignores', () => {
    const rejected = Object.entries(SUSPECTS)
      .filter(([, expected]) => expected.some((e) => e.severity === 'error' && e !== WINDOWS_OS))
      .map(([file]) => file);
    for (const [file] of Object.entries(SUSPECTS)) {
      const { errors } = validateFile(file);
      const ownErrors = errors.filter((issue) => !isWindowsOsError(issue));
      expect(ownErrors.length > 0, file).toBe(rejected.includes(file));
    }
  });

  it('does not report what needs the bundle or the host (121: nested destinations, 3000 s; 124: runas)', () => {
    const nested = validateFile('server/121-timeouts-30000-overlapping-dests.yml');
    expect(nested.warnings.map((w) => w.path)).toEqual(['hooks.BeforeInstall[0].timeout']);
    expect(validateFile('server/124-version-1.0.0-runas-typo.yml').warnings).toEqual([]);
  });
});
