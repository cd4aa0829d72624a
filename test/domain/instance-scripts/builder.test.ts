import { describe, expect, it } from 'vitest';
import {
  buildLifecycleEventScript,
  parseDiagnostics,
  shellQuote,
  UnsafeScriptValueError,
  type LifecycleEventScriptInput,
} from '../../../functions/domain/instance-scripts/index.js';
import { hooksFile } from '../../../functions/domain/instance-scripts/hooks.js';
import { aclFlags, parseAce } from '../../../functions/domain/instance-scripts/permissions.js';
import { describeBundle } from '../../../functions/domain/instance-scripts/download.js';
import { appSpec } from './harness.js';

function input(partial: Partial<LifecycleEventScriptInput> = {}): LifecycleEventScriptInput {
  return {
    event: 'Install',
    deployment: {
      deploymentId: 'd-ABCDEFGHI',
      applicationName: 'app',
      deploymentGroupName: 'group',
      deploymentGroupId: 'dg-1',
      deploymentType: 'IN_PLACE',
      creator: 'user',
    },
    appSpec: appSpec(),
    bundle: { location: '/tmp/bundle.tar', bundleType: 'tar' },
    ...partial,
  };
}

describe('shellQuote', () => {
  it.each([
    ['plain', "'plain'"],
    ['', "''"],
    ["it's", "'it'\\''s'"],
    ['$(touch x) `id` *', "'$(touch x) `id` *'"],
  ])('quotes %j as one literal word', (value, quoted) => {
    expect(shellQuote(value)).toBe(quoted);
  });

  it.each(['a\nb', 'a\rb', 'a\0b'])('rejects %j', (value) => {
    expect(() => shellQuote(value)).toThrow(UnsafeScriptValueError);
  });
});

describe('buildLifecycleEventScript build-time checks', () => {
  it('rejects a newline in a files destination with UnsafeScriptValueError', () => {
    const spec = appSpec({ files: [{ source: 'a', destination: '/srv/x\ny' }] });
    expect(() => buildLifecycleEventScript(input({ appSpec: spec }))).toThrow(UnsafeScriptValueError);
    try {
      buildLifecycleEventScript(input({ appSpec: spec }));
    } catch (error) {
      expect((error as Error).name).toBe('UnsafeScriptValueError');
    }
  });

  it('rejects a newline in a hook location at every event (the hooks file is built from it)', () => {
    const spec = appSpec({ hooks: { AfterInstall: [{ location: 'a\nrm -rf /', timeout: 5, sudo: false }] } });
    for (const event of ['DownloadBundle', 'Install', 'AfterInstall'] as const) {
      expect(() => buildLifecycleEventScript(input({ event, appSpec: spec }))).toThrow(
        UnsafeScriptValueError,
      );
    }
  });

  it('rejects a NUL in the bundle location and a newline in deployment fields', () => {
    expect(() =>
      buildLifecycleEventScript(
        input({ event: 'DownloadBundle', bundle: { location: '/x\0y', bundleType: 'tar' } }),
      ),
    ).toThrow(UnsafeScriptValueError);
    const base = input();
    expect(() =>
      buildLifecycleEventScript({ ...base, deployment: { ...base.deployment, applicationName: 'a\nb' } }),
    ).toThrow(UnsafeScriptValueError);
  });

  it.each(['../d-1', 'a/b', '..', ''])('rejects the deployment id %j as a directory name', (deploymentId) => {
    const base = input();
    expect(() =>
      buildLifecycleEventScript({ ...base, deployment: { ...base.deployment, deploymentId } }),
    ).toThrow(UnsafeScriptValueError);
  });

  it.each(['-s/bin/evil', 'bob;id', 'a b'])(
    'rejects the runas %j, which su could read as an option or words',
    (runas) => {
      const spec = appSpec({
        hooks: { ApplicationStart: [{ location: 's.sh', timeout: 5, sudo: false, runas }] },
      });
      expect(() => buildLifecycleEventScript(input({ event: 'ApplicationStart', appSpec: spec }))).toThrow(
        UnsafeScriptValueError,
      );
    },
  );

  it('rejects sources and hook locations that climb out of the revision (stricter than the agent)', () => {
    const files = appSpec({ files: [{ source: 'a/../../etc', destination: '/x' }] });
    expect(() => buildLifecycleEventScript(input({ appSpec: files }))).toThrow(UnsafeScriptValueError);
    const hooks = appSpec({
      hooks: { AfterInstall: [{ location: '../../bin/sh', timeout: 5, sudo: false }] },
    });
    expect(() => buildLifecycleEventScript(input({ event: 'AfterInstall', appSpec: hooks }))).toThrow(
      UnsafeScriptValueError,
    );
  });

  it('rejects a Windows AppSpec and an event that does not run on instances', () => {
    expect(() => buildLifecycleEventScript(input({ appSpec: appSpec({ os: 'windows' }) }))).toThrow(
      /os: linux/,
    );
    expect(() => buildLifecycleEventScript(input({ event: 'AllowTraffic' as 'Install' }))).toThrow(
      /not a lifecycle event/,
    );
  });

  it('never puts a value with shell syntax outside single quotes', () => {
    const evil = "x' ; touch /tmp/owned ; echo '";
    const spec = appSpec({
      files: [{ source: evil, destination: `/srv/${evil}` }],
      hooks: { AfterInstall: [{ location: evil, timeout: 5, sudo: false }] },
    });
    const script = buildLifecycleEventScript(input({ event: 'DownloadBundle', appSpec: spec }));
    // Every quote in the value is written as '\'' (twice over in the hooks file), so the raw text never appears.
    expect(script).not.toContain(evil);
    expect(script).toContain('touch /tmp/owned');
  });
});

describe('hooksFile', () => {
  it('has one quoted sd_hook call per scriptable script, in order, and skips other keys', () => {
    const lines = hooksFile(
      appSpec({
        hooks: {
          ApplicationStart: [
            { location: '/scripts/start.sh', timeout: 30, sudo: false },
            { location: "scripts/it's.sh", timeout: 3600, runas: 'www-data', sudo: true },
          ],
          Install: [{ location: 'never.sh', timeout: 5, sudo: false }],
          test_hook: [{ location: 'never.sh', timeout: 5, sudo: false }],
        },
      }),
    );
    expect(lines.filter((l) => l.includes('sd_hook '))).toEqual([
      "      sd_hook '/scripts/start.sh' 'scripts/start.sh' 30 '' 0 || return 1",
      "      sd_hook 'scripts/it'\\''s.sh' 'scripts/it'\\''s.sh' 3600 'www-data' 1 || return 1",
    ]);
  });
});

describe('acl entries', () => {
  it('canonicalises entries and flags the base entries the agent adds', () => {
    const aces = ['u:bob:rwx', 'd:g:adm:r-x', 'd:m::rw'].map(parseAce);
    expect(aces.map((a) => `${a.isDefault ? 'default:' : ''}${a.type}:${a.name}:${a.perms}`)).toEqual([
      'user:bob:rwx',
      'default:group:adm:r-x',
      'default:mask::rw',
    ]);
    expect(aclFlags(aces)).toEqual({ flags: 'NDnm', defaultGroupPerms: '' });
    expect(aclFlags(['bob:7', 'd:g::5'].map(parseAce))).toEqual({ flags: 'NDG', defaultGroupPerms: '5' });
  });

  it('refuses names that would add entries to the single setfacl argument', () => {
    expect(() => parseAce('u:bob,o::7:rwx')).toThrow();
  });
});

describe('describeBundle', () => {
  it('never shows a presigned URL query string', () => {
    expect(
      describeBundle({
        location: 'https://b.s3.amazonaws.com/k.zip?X-Amz-Signature=secret',
        bundleType: 'zip',
      }),
    ).toBe('https://b.s3.amazonaws.com/k.zip');
    expect(
      describeBundle({
        location: 'https://x/y?sig',
        bundleType: 'zip',
        s3: { bucket: 'b', key: 'k/app.zip' },
      }),
    ).toBe('s3://b/k/app.zip');
  });
});

describe('parseDiagnostics', () => {
  it.each([
    [0, 'Success'],
    [1, 'ScriptMissing'],
    [2, 'ScriptNotExecutable'],
    [3, 'ScriptTimedOut'],
    [4, 'ScriptFailed'],
    [5, 'UnknownError'],
    [6, 'UnknownError'],
    [7, 'UnknownError'],
  ])('maps agent code %i to %s (6 and 7 -> UnknownError, reference [inferred])', (code, errorCode) => {
    const line = JSON.stringify({ error_code: code, script_name: 's.sh', message: 'm', log: 'l\n' });
    expect(parseDiagnostics(`noise\n${line}\n`)).toEqual({
      errorCode,
      scriptName: 's.sh',
      message: 'm',
      logTail: 'l\n',
    });
  });

  it.each([
    ['', /no diagnostics line/],
    ['not json\n', /not JSON/],
    ['[1]\n', /not a diagnostics object/],
    ['{"error_code":9}\n', /error_code 9 is not an agent code/],
    ['{"error_code":"0"}\n', /is not an agent code/],
  ])('reports missing or garbled output %j as UnknownError', (stdout, message) => {
    const result = parseDiagnostics(stdout);
    expect(result.errorCode).toBe('UnknownError');
    expect(result.message).toMatch(message);
    expect(result.logTail).toBe(stdout);
  });
});
