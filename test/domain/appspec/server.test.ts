import { describe, expect, it } from 'vitest';
import type { AppSpecIssue } from '../../../functions/domain/appspec/issues.js';
import { validateServerAppSpec } from '../../../functions/domain/appspec/server.js';
import { parseAppSpecSource } from '../../../functions/domain/appspec/source.js';

// Every expected message below is copied from docs/reference codedeploy-behaviour.md §1.2 (the agent's
// strings, typos included), not from the implementation.
const EMPTY =
  "The deployment failed because the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties.";
const VERSION = (v: string) =>
  `The deployment failed because an invalid version value (${v}) was entered in the application specification file. Make sure your AppSpec file specifies "0.0" as the version, and then try again.`;
const OS = (os: string) =>
  `The deployment failed because the application specification file specifies an unsupported operating system (${os}). Specify either "linux" or "windows" in the os section of the AppSpec file, and then try again.`;
const FILE_EXISTS = (v: string) =>
  `The deployment failed because an invalid file_exists_behavior value (${v}) was entered in the application specification file. Make sure your AppSpec file specifies one of DISALLOW,OVERWRITE,RETAIN as the file_exists_behavior, and then try again.`;
const NO_LOCATION =
  'The deployment failed because the application specification file specifies a script with no location value. Specify the location in the hooks section of the AppSpec file, and then try again.';
const BAD_TIMEOUT =
  'The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.';
const NO_SOURCE =
  'The deployment failed because the application specification file specifies a destination file, but no source file. Update the files section of the AppSpec file, and then try again.';
const ONLY_SOURCE = (source: string) =>
  `The deployment failed because the application specification file specifies only a source file (${source}). Add the name of the destination file to the files section of the AppSpec file, and then try again.`;
const PERMISSIONS_ON_WINDOWS =
  'The deployment failed because the application specification file specifiles file permissions, but the deployment is targeting one or more Windows Server instances. Permissions are supported only for Amazon Linux, Ubuntu Server, and Red Hat Enterprise Linux (RHEL) instances. Update the permissions section of the AppSpec file, and then try again.';
const NO_OBJECT =
  'The deployment failed because a permission listed in the application specification file has no object value. Update the permissions section of the AppSpec file, and then try again.';
const BAD_TYPE = (type: string) =>
  `The deployment failed because the application specification filespecifies a permission for an object type not supported for permissions (${type}). Update the permissions section of the AppSpec file, and then try again.`;
const MODE_LENGTH = (mode: string) =>
  `The deployment failed because the length of a permissions mode (${mode}) in the application specification file is invalid. Permissions modes must be between one and four characters long. Update the permissions section of the AppSpec file, and then try again.`;
const MODE_CHAR = (mode: string, char: string) =>
  `The deployment failed because the permissions mode (${mode}) in the application specification file contains an invalid character (${char}). Update the permissions section of the AppSpec file, and then try again.`;
const ACL_ENTRY = (ace: string) =>
  `The deployment failed because of a problem with the acls permission settings in the application specification file. Invalid acl entry (${ace}).`;
const ACL_BASE = (ace: string) =>
  `The deployment failed because of a problem with the acls permission settings in the application specification file. Use mode to set the base acl entry (${ace}). Update the permissions section of the AppSpec file, and then try again.`;
const ACL_CHAR = (ace: string, char: string) =>
  `The deployment failed because the access control list (ACL) named ${ace} in the application specification file contains an invalid character (${char}). Correct the ACL in the hooks section of the AppSpec file, and then try again.`;
const CONTEXT_TYPE = (inspect: string) =>
  `The deployment failed because the application specification file specifies an invalid context type (${inspect}). Update the permissions section of the AppSpec file, and then try again.`;
/** The reference quotes this one only up to "…". */
const RANGE_PREFIX = (range: string) =>
  `The deployment failed because of a problem with the SELinux range specified (${range}) for the context parameter`;

const HEADER = 'version: 0.0\nos: linux\n';

function validate(text: string, agentOs?: 'linux' | 'windows') {
  return validateServerAppSpec(parseAppSpecSource(text), agentOs ? { agentOs } : {});
}

const brief = (issues: AppSpecIssue[]) => issues.map(({ code, message, path }) => ({ code, message, path }));
const error = (message: string, path: string) => ({ code: 'INVALID_REVISION', message, path });

/** The one warning with `code`, asserting there is exactly one. */
function onlyWarning(text: string, code: string, agentOs?: 'linux' | 'windows') {
  const found = validate(text, agentOs).warnings.filter((w) => w.code === code);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('validateServerAppSpec: top level', () => {
  it.each([
    ['an empty file', ''],
    ['whitespace only', '   \n\t\n'],
    ['newlines only', '\n\n\n'],
    ['comments only', '# AppSpec for EC2\n'],
    ['a null document', '~\n'],
    ['a false document', 'false\n'],
  ])('reports %s as empty, and nothing else', (_name, text) => {
    const result = validate(text);
    expect(brief(result.errors)).toEqual([error(EMPTY, '')]);
    expect(result.appSpec).toBeUndefined();
  });

  it.each([
    ['a plain scalar', 'thisis test file\n'],
    ['a number', '42\n'],
    ['a list', '- version: 0.0\n- os: linux\n'],
  ])('reports %s as having no version and no os, without throwing', (_name, text) => {
    const result = validate(text);
    expect(result.errors.every((e) => e.code === 'INVALID_REVISION')).toBe(true);
    expect(brief(result.errors)).toEqual(
      expect.arrayContaining([error(VERSION(''), 'version'), error(OS(''), 'os')]),
    );
    expect(result.appSpec).toBeUndefined();
  });

  it('returns the parse errors of invalid YAML', () => {
    const result = validate('  version: 0.0\nos: linux\n');
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors.every((e) => e.code === 'INVALID_REVISION' && e.path === '')).toBe(true);
    expect(result.appSpec).toBeUndefined();
  });

  it.each([
    // [version as written, displayed value or null when valid]
    ['0.0', null],
    ['0', null],
    ['0.00', null],
    ['"0.0"', '0.0'],
    ["'0.0'", '0.0'],
    ['"0"', '0'],
    ['1.0', '1.0'],
    ['0.1', '0.1'],
    ['1', '1'],
    ['1.0.0', '1.0.0'],
    ['2.50', '2.5'], // Ruby's Float#to_s, as "#{version}" prints it
    ['~', ''],
    ['', ''],
    ['yes', 'true'], // YAML 1.1 boolean
    ['[0.0]', '[0.0]'],
  ])('version: %s', (written, shown) => {
    const result = validate(`version: ${written}\nos: linux\n`);
    if (shown === null) expect(result.errors).toEqual([]);
    else expect(brief(result.errors)).toEqual([error(VERSION(shown), 'version')]);
  });

  it('reports a missing version as ()', () => {
    expect(brief(validate('os: linux\n').errors)).toEqual([error(VERSION(''), 'version')]);
  });

  it('rejects the JSON string "0.0" and accepts the JSON number 0.0', () => {
    expect(brief(validate('{"version": "0.0", "os": "linux"}').errors)).toEqual([
      error(VERSION('0.0'), 'version'),
    ]);
    expect(validate('{"version": 0.0, "os": "linux"}').errors).toEqual([]);
  });

  it.each([
    // [os line, agent platform, displayed value or null when valid]
    ['os: linux', 'linux', null],
    ['os: windows', 'linux', 'windows'],
    ['os: windows', 'windows', null],
    ['os: linux', 'windows', 'linux'],
    ['os: Linux', 'linux', 'Linux'],
    ['os: ubuntu', 'linux', 'ubuntu'],
    ['os: ~', 'linux', ''],
    ['', 'linux', ''],
  ] as const)('%s on a %s agent', (line, agentOs, shown) => {
    const result = validate(`version: 0.0\n${line}\n`, agentOs);
    if (shown === null) expect(result.errors).toEqual([]);
    else expect(brief(result.errors)).toEqual([error(OS(shown), 'os')]);
  });

  it('defaults to the Linux agent, so os: windows is an error', () => {
    expect(brief(validate('version: 0.0\nos: windows\n').errors)).toEqual([error(OS('windows'), 'os')]);
  });

  it.each([
    ['DISALLOW', null],
    ['OVERWRITE', null],
    ['RETAIN', null],
    ['~', null],
    ['overwrite', 'overwrite'],
    ['Retain', 'Retain'],
    ['DISALLOW|OVERWRITE|RETAIN', 'DISALLOW|OVERWRITE|RETAIN'],
    ['yes', 'true'],
  ])('file_exists_behavior: %s', (written, shown) => {
    const result = validate(`${HEADER}file_exists_behavior: ${written}\n`);
    if (shown === null) expect(result.errors).toEqual([]);
    else expect(brief(result.errors)).toEqual([error(FILE_EXISTS(shown), 'file_exists_behavior')]);
  });

  it('keeps file_exists_behavior in the model', () => {
    expect(validate(`${HEADER}file_exists_behavior: RETAIN\n`).appSpec?.fileExistsBehavior).toBe('RETAIN');
    expect(validate(HEADER).appSpec?.fileExistsBehavior).toBeUndefined();
  });

  it("reports every error, in the agent's parse order", () => {
    const text = [
      'file_exists_behavior: sometimes',
      'permissions:',
      '  - owner: root',
      'files:',
      '  - destination: /srv',
      'hooks:',
      '  AfterInstall:',
      '    - timeout: 10',
      'os: solaris',
      'version: 1',
    ].join('\n');
    expect(validate(text).errors.map((e) => e.path)).toEqual([
      'version',
      'os',
      'hooks.AfterInstall[0].location',
      'files[0].source',
      'permissions[0].object',
      'file_exists_behavior',
    ]);
  });

  it('locates errors by line and column', () => {
    const text = `${HEADER}hooks:\n  AfterInstall:\n    - location: a.sh\n    - location: b.sh\n      timeout: 0\n`;
    const [issue] = validate(text).errors;
    expect(issue).toMatchObject({ path: 'hooks.AfterInstall[1].timeout', line: 7, column: 16 });
    expect(validate('version: "0.0"\nos: linux\n').errors[0]).toMatchObject({ line: 1, column: 10 });
  });

  it.each([
    ['file_exist_behavior', 'file_exists_behavior'],
    ['file_exists_behaviour', 'file_exists_behavior'],
    ['permission', 'permissions'],
    ['hook', 'hooks'],
    ['Files', 'files'],
  ])('warns about the unknown top-level key %s (did you mean %s?)', (key, meant) => {
    const warning = onlyWarning(`${HEADER}${key}: x\n`, 'UNKNOWN_KEY');
    expect(warning).toMatchObject({ path: key, line: 3 });
    expect(warning?.message).toContain(`Did you mean '${meant}'?`);
  });

  it.each([
    ['Resources', 'Lambda and ECS'],
    ['BeforeInstall', "belong under 'hooks'"],
    ['pre_build', 'ignores it'],
  ])('warns about the unknown top-level key %s with a hint', (key, hint) => {
    expect(onlyWarning(`${HEADER}${key}: x\n`, 'UNKNOWN_KEY')?.message).toContain(hint);
  });
});

describe('validateServerAppSpec: hooks', () => {
  const hook = (script: string, event = 'AfterInstall') => `${HEADER}hooks:\n  ${event}:\n    - ${script}\n`;

  it('ignores an event with no scripts, and an empty hooks mapping', () => {
    expect(validate(`${HEADER}hooks:\n  ApplicationStop:\n`).appSpec?.hooks).toEqual({});
    expect(validate(`${HEADER}hooks: {}\n`).appSpec?.hooks).toEqual({});
    expect(validate(`${HEADER}hooks:\n`).appSpec?.hooks).toEqual({});
  });

  it.each([
    ['no location', 'timeout: 30'],
    ['a null location', 'location: ~'],
    ['an empty location', 'location: ""'],
    ['a blank location', 'location: "   "'],
  ])('rejects a script with %s', (_name, script) => {
    expect(brief(validate(hook(script)).errors)).toEqual([
      error(NO_LOCATION, 'hooks.AfterInstall[0].location'),
    ]);
  });

  it('names the failing script by index', () => {
    const text = `${HEADER}hooks:\n  BeforeInstall:\n    - location: a.sh\n    - runas: root\n`;
    expect(brief(validate(text).errors)).toEqual([error(NO_LOCATION, 'hooks.BeforeInstall[1].location')]);
  });

  it.each([
    // [timeout as written, seconds or null when invalid] - Ruby's to_i
    ['30', 30],
    ['"30"', 30],
    ['30.9', 30],
    ['"45s"', 45],
    ['" 12"', 12],
    ['"1_000"', 1000],
    ['3600', 3600],
    ['~', 3600],
    ['0', null],
    ['-5', null],
    ['0.5', null],
    ['"foo"', null],
    ['""', null],
    ['true', null],
    ['[30]', null],
  ])('timeout: %s', (written, seconds) => {
    const result = validate(hook(`location: a.sh\n      timeout: ${written}`));
    if (seconds === null) {
      expect(brief(result.errors)).toEqual([error(BAD_TIMEOUT, 'hooks.AfterInstall[0].timeout')]);
    } else {
      expect(result.errors).toEqual([]);
      expect(result.appSpec?.hooks.AfterInstall?.[0]?.timeout).toBe(seconds);
    }
  });

  it('defaults the timeout to 3600, sudo to false and leaves runas out', () => {
    expect(validate(hook('location: a.sh')).appSpec?.hooks).toEqual({
      AfterInstall: [{ location: 'a.sh', timeout: 3600, sudo: false }],
    });
  });

  it.each([
    ['runas: ec2-user', { runas: 'ec2-user', sudo: false }],
    ['runas: " ubuntu "', { runas: 'ubuntu', sudo: false }],
    ['runas: ""', { sudo: false }],
    ['runas: ~', { sudo: false }],
    ['sudo: true', { sudo: true }],
    ['sudo: false', { sudo: false }],
    ['runas: root\n      sudo: yes', { runas: 'root', sudo: true }],
  ])('%s', (line, expected) => {
    expect(validate(hook(`location: " a.sh "\n      ${line}`)).appSpec?.hooks.AfterInstall).toEqual([
      { location: 'a.sh', timeout: 3600, ...expected },
    ]);
  });

  it.each([
    ['hooks is a list', `${HEADER}hooks:\n  - AfterInstall\n`, 'hooks'],
    ['hooks is a string', `${HEADER}hooks: AfterInstall\n`, 'hooks'],
    ['an event is a mapping', `${HEADER}hooks:\n  AfterInstall:\n    location: a.sh\n`, 'hooks.AfterInstall'],
    ['an event is a string', `${HEADER}hooks:\n  AfterInstall: a.sh\n`, 'hooks.AfterInstall'],
    ['a script is a string', `${HEADER}hooks:\n  AfterInstall:\n    - a.sh\n`, 'hooks.AfterInstall[0]'],
    ['a script is null', `${HEADER}hooks:\n  AfterInstall:\n    -\n`, 'hooks.AfterInstall[0]'],
    ['a location is a list', hook('location: [a.sh]'), 'hooks.AfterInstall[0].location'],
  ])('reports an error, not an exception, when %s', (_name, text, path) => {
    const result = validate(text);
    expect(result.errors.map((e) => [e.code, e.path])).toEqual([['INVALID_REVISION', path]]);
  });

  it.each([
    'ApplicationStop',
    'BeforeInstall',
    'AfterInstall',
    'ApplicationStart',
    'ValidateService',
    'BeforeBlockTraffic',
    'AfterBlockTraffic',
    'BeforeAllowTraffic',
    'AfterAllowTraffic',
  ])('accepts the scriptable event %s without warnings', (event) => {
    const result = validate(hook('location: a.sh', event));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it.each([
    ['Start', 'NOT_SCRIPTABLE_LIFECYCLE_EVENT'],
    ['DownloadBundle', 'NOT_SCRIPTABLE_LIFECYCLE_EVENT'],
    ['Install', 'NOT_SCRIPTABLE_LIFECYCLE_EVENT'],
    ['BlockTraffic', 'NOT_SCRIPTABLE_LIFECYCLE_EVENT'],
    ['AllowTraffic', 'NOT_SCRIPTABLE_LIFECYCLE_EVENT'],
    ['End', 'NOT_SCRIPTABLE_LIFECYCLE_EVENT'],
    ['AfterIntall', 'UNKNOWN_LIFECYCLE_EVENT', 'Did you mean AfterInstall?'],
    ['afterInstall', 'UNKNOWN_LIFECYCLE_EVENT', 'Did you mean AfterInstall?'],
    ['ValidateServices', 'UNKNOWN_LIFECYCLE_EVENT', 'Did you mean ValidateService?'],
    ['test_hook', 'UNKNOWN_LIFECYCLE_EVENT', 'ApplicationStop, BeforeInstall'],
  ])('warns (but accepts) the event %s: %s', (event, code, hint = 'never run') => {
    const result = validate(hook('location: a.sh', event));
    expect(result.errors).toEqual([]);
    expect(result.appSpec?.hooks[event]).toHaveLength(1); // the agent stores any key
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({ code, path: `hooks.${event}`, line: 5 }); // its scripts
    expect(result.warnings[0]?.message).toContain(hint);
  });

  it('does not warn about an unknown event that has no scripts', () => {
    expect(validate(`${HEADER}hooks:\n  Install:\n`).warnings).toEqual([]);
  });

  it('warns about a single timeout over 3600 seconds', () => {
    const warning = onlyWarning(hook('location: a.sh\n      timeout: 5000'), 'HOOK_TIMEOUT_EXCEEDS_3600');
    expect(warning).toMatchObject({ path: 'hooks.AfterInstall[0].timeout', line: 6 });
    expect(warning?.message).toContain('5000');
    expect(validate(hook('location: a.sh\n      timeout: 3600')).warnings).toEqual([]);
  });

  it.each([
    ['2000 + 2000', [2000, 2000], 4000],
    ['1000 + 1000 + 1601', [1000, 1000, 1601], 3601],
  ])('warns when the timeouts of one event add up to more than 3600 (%s)', (_name, timeouts, total) => {
    const scripts = timeouts.map((t, i) => `    - location: s${i}.sh\n      timeout: ${t}\n`).join('');
    const warning = onlyWarning(
      `${HEADER}hooks:\n  AfterInstall:\n${scripts}`,
      'HOOK_TIMEOUT_SUM_EXCEEDS_3600',
    );
    expect(warning).toMatchObject({ path: 'hooks.AfterInstall' });
    expect(warning?.message).toContain(String(total));
  });

  it('does not count default timeouts towards the sum (as the AppSpec Assistant does not)', () => {
    const text = `${HEADER}hooks:\n  AfterInstall:\n    - location: a.sh\n    - location: b.sh\n      timeout: 1800\n`;
    expect(validate(text).warnings).toEqual([]);
  });

  it('warns about runas on Windows, also when the os is already an error', () => {
    const text =
      'version: 0.0\nos: windows\nhooks:\n  BeforeInstall:\n    - location: a.bat\n      runas: Administrator\n';
    for (const agentOs of ['windows', 'linux'] as const) {
      expect(onlyWarning(text, 'RUNAS_ON_WINDOWS', agentOs)).toMatchObject({
        path: 'hooks.BeforeInstall[0].runas',
        line: 6,
      });
    }
    expect(validate(text, 'windows').errors).toEqual([]);
    expect(validate(hook('location: a.sh\n      runas: root')).warnings).toEqual([]);
  });

  it('warns about unknown keys in a script', () => {
    const warning = onlyWarning(hook('location: a.sh\n      runAs: root'), 'UNKNOWN_KEY');
    expect(warning).toMatchObject({ path: 'hooks.AfterInstall[0].runAs' });
    expect(warning?.message).toContain("Did you mean 'runas'?");
  });
});

describe('validateServerAppSpec: files', () => {
  const files = (...entries: string[]) =>
    `${HEADER}files:\n${entries.map((e) => `  - ${e.replace(/\n/g, '\n    ')}\n`).join('')}`;

  it.each([
    ['no source', 'destination: /srv', [error(NO_SOURCE, 'files[0].source')]],
    ['a null source', 'source: ~\ndestination: /srv', [error(NO_SOURCE, 'files[0].source')]],
    [
      'an empty source (as the Rust agent)',
      'source: ""\ndestination: /srv',
      [error(NO_SOURCE, 'files[0].source')],
    ],
    ['no destination', 'source: app', [error(ONLY_SOURCE('app'), 'files[0].destination')]],
    ['a null destination', 'source: app\ndestination:', [error(ONLY_SOURCE('app'), 'files[0].destination')]],
    ['an empty destination', 'source: /\ndestination: ""', [error(ONLY_SOURCE('/'), 'files[0].destination')]],
    [
      'neither',
      'source:\ndestination:',
      [error(NO_SOURCE, 'files[0].source'), error(ONLY_SOURCE(''), 'files[0].destination')],
    ],
  ])('rejects an entry with %s', (_name, entry, expected) => {
    expect(brief(validate(files(entry)).errors)).toEqual(expected);
  });

  it('names the failing entry by index', () => {
    const text = files('source: a\ndestination: /a', 'source: b\ndestination: /b', 'source: c');
    expect(brief(validate(text).errors)).toEqual([error(ONLY_SOURCE('c'), 'files[2].destination')]);
  });

  it.each([
    ['files is a mapping', `${HEADER}files:\n  source: /\n  destination: /srv\n`, 'files'],
    ['files is a string', `${HEADER}files: /srv\n`, 'files'],
    ['an entry is a string', files('/srv'), 'files[0]'],
    ['a source is a list', files('source: [a]\ndestination: /srv'), 'files[0].source'],
  ])('reports an error, not an exception, when %s', (_name, text, path) => {
    expect(validate(text).errors.map((e) => [e.code, e.path])).toEqual([['INVALID_REVISION', path]]);
  });

  it('builds the model', () => {
    const text = files('source: /\ndestination: /srv/app', 'source: config/app.conf\ndestination: /etc/app');
    expect(validate(text).appSpec?.files).toEqual([
      { source: '/', destination: '/srv/app' },
      { source: 'config/app.conf', destination: '/etc/app' },
    ]);
    expect(validate(HEADER).appSpec?.files).toEqual([]);
  });

  it.each(['.', 'web', 'web/index.php', 'C:\\inetpub'])('warns about the relative destination %s', (dest) => {
    const text = files(`source: app\ndestination: '${dest}'`);
    expect(validate(text).errors).toEqual([]);
    expect(onlyWarning(text, 'RELATIVE_DESTINATION')).toMatchObject({ path: 'files[0].destination' });
  });

  it('takes drive-letter paths as absolute on Windows', () => {
    const text =
      'version: 0.0\nos: windows\nfiles:\n  - source: \\app\n    destination: c:\\inetpub\\wwwroot\n';
    expect(validate(text, 'windows').warnings).toEqual([]);
  });

  it.each(['/backend/*', 'dist/*.js', 'file?.txt'])('warns about the glob in the source %s', (source) => {
    const text = files(`source: "${source}"\ndestination: /app`);
    expect(validate(text).errors).toEqual([]);
    const warning = onlyWarning(text, 'GLOB_IN_SOURCE');
    expect(warning).toMatchObject({ path: 'files[0].source', line: 4 });
  });

  it('suggests the directory for a trailing /*', () => {
    const text = files('source: "/backend/*"\ndestination: /app');
    expect(onlyWarning(text, 'GLOB_IN_SOURCE')?.message).toContain('source: /backend.');
  });

  it('warns about an entry that repeats an earlier one', () => {
    const text = files('source: /\ndestination: /srv/app', 'source: /\ndestination: /srv/app/');
    expect(onlyWarning(text, 'DUPLICATE_FILES_ENTRY')).toMatchObject({ path: 'files[1]' });
    const nested = files('source: /\ndestination: /srv/app', 'source: /\ndestination: /srv/app/server');
    expect(validate(nested).warnings).toEqual([]); // overlapping targets need the bundle to judge
  });

  it.each([
    ['overwrite: yes', 'file_exists_behavior'],
    ['mode: 777', "'permissions'"],
    ['owner: root', "'permissions'"],
    ['destinaton: /x', "Did you mean 'destination'?"],
  ])('warns about the unknown files key in %s', (line, hint) => {
    const text = files(`source: /\ndestination: /srv\n${line}`);
    const warning = onlyWarning(text, 'UNKNOWN_KEY');
    expect(warning?.path).toBe(`files[0].${line.split(':')[0] ?? ''}`);
    expect(warning?.message).toContain(hint);
  });
});

describe('validateServerAppSpec: permissions', () => {
  const permission = (...lines: string[]) =>
    `${HEADER}permissions:\n  - object: /srv/app\n${lines.map((l) => `    ${l}\n`).join('')}`;
  const errorsOf = (text: string) => brief(validate(text).errors);

  it('rejects permissions on Windows', () => {
    const text = 'version: 0.0\nos: windows\npermissions:\n  - object: c:\\app\n    mode: 0755\n';
    expect(errorsOf(text)).toEqual([
      error(OS('windows'), 'os'),
      error(PERMISSIONS_ON_WINDOWS, 'permissions'),
    ]);
    expect(brief(validate(text, 'windows').errors)).toEqual([error(PERMISSIONS_ON_WINDOWS, 'permissions')]);
  });

  it.each([
    ['no object', '  - owner: root'],
    ['a null object', '  - object: ~'],
    ['an empty object', '  - object: ""'],
    ['a blank object', '  - object: "  "'],
  ])('rejects a permission with %s', (_name, entry) => {
    expect(errorsOf(`${HEADER}permissions:\n${entry}\n`)).toEqual([
      error(NO_OBJECT, 'permissions[0].object'),
    ]);
  });

  it('fills in the defaults', () => {
    expect(validate(permission('owner: root')).appSpec?.permissions).toEqual([
      { object: '/srv/app', pattern: '**', except: [], owner: 'root', type: ['file', 'directory'] },
    ]);
  });

  it('keeps every field in the model', () => {
    const text = permission(
      'pattern: "*.sh"',
      'except: [skip.sh]',
      'owner: app',
      'group: staff',
      'mode: 4755',
      'acls: ["u:bob:rw", "d:g:staff:r-x"]',
      'context: {name: system_u, type: httpd_sys_content_t, range: "s0:c1.c3"}',
      'type: [file]',
    );
    expect(validate(text).appSpec?.permissions).toEqual([
      {
        object: '/srv/app',
        pattern: '*.sh',
        except: ['skip.sh'],
        owner: 'app',
        group: 'staff',
        mode: '4755',
        acls: ['u:bob:rw', 'd:g:staff:r-x'],
        context: { name: 'system_u', type: 'httpd_sys_content_t', range: 's0:c1.c3' },
        type: ['file'],
      },
    ]);
  });

  it.each([
    ['[file]', null],
    ['[directory]', null],
    ['[file, directory]', null],
    ['[symlink]', ['symlink', 'permissions[0].type[0]']],
    ['[file, dir]', ['dir', 'permissions[0].type[1]']],
    ['[File]', ['File', 'permissions[0].type[0]']],
    ['[~]', ['', 'permissions[0].type[0]']],
  ])('type: %s', (written, problem) => {
    const errors = errorsOf(permission(`type: ${written}`));
    expect(errors).toEqual(problem === null ? [] : [error(BAD_TYPE(problem[0] ?? ''), problem[1] ?? '')]);
  });

  it('reports a type that is not a list as an error', () => {
    expect(validate(permission('type: file')).errors.map((e) => e.path)).toEqual(['permissions[0].type']);
  });

  it.each([
    // [mode as written, normalised mode or the error message]
    ['755', '755'],
    ['644', '644'],
    ['"0644"', '0644'],
    ['7', '007'],
    ['"7"', '007'],
    ['0', '000'],
    ['"4755"', '4755'],
    ['1777', '1777'],
    ['0644', '420'], // YAML 1.1 octal: to_s of 420
    ['0777', '511'],
    ['12345', MODE_LENGTH('12345')],
    ['"00755"', MODE_LENGTH('00755')],
    ['"abc"', MODE_CHAR('abc', 'a')],
    ['"0x75"', MODE_CHAR('0x75', 'x')],
    ['"999"', MODE_CHAR('999', '9')],
    ['0755', MODE_CHAR('493', '9')], // octal 0755 = 493
    ['7.5', MODE_CHAR('7.5', '.')],
    ['"u+x"', MODE_CHAR('u+x', 'u')],
  ])('mode: %s', (written, expected) => {
    const result = validate(permission(`mode: ${written}`));
    if (expected.startsWith('The deployment failed')) {
      expect(brief(result.errors)).toEqual([error(expected, 'permissions[0].mode')]);
    } else {
      expect(result.errors).toEqual([]);
      expect(result.appSpec?.permissions[0]?.mode).toBe(expected);
    }
  });

  it.each([
    ['0644', '0420'],
    ['0755', '493'],
    ['0600', '384'],
  ])('warns that the unquoted mode %s is parsed as an octal number (%s)', (written, became) => {
    const warning = onlyWarning(permission(`mode: ${written}`), 'MODE_PARSED_AS_OCTAL');
    expect(warning).toMatchObject({ path: 'permissions[0].mode', line: 5 });
    expect(warning?.message).toContain(became);
    expect(warning?.message).toContain(`"${written}"`);
  });

  it.each(['"0644"', '644', '0', '00', '0000'])('does not warn about mode %s', (written) => {
    expect(validate(permission(`mode: ${written}`)).warnings).toEqual([]);
  });

  it.each([
    'u:bob:rw',
    'user:bob:7',
    'g:staff:r-x',
    'group:staff:0',
    'm::rw',
    'mask::5',
    'd:u::rwx',
    'default:group:staff:r',
    'd:o:r',
    'default:u:bob:7',
    'bob:0', // two parts: a user ACE
    'u:bob:',
  ])('accepts the ACE %s', (ace) => {
    expect(errorsOf(permission(`acls: ["${ace}"]`))).toEqual([]);
  });

  it.each([
    ['rw', ACL_ENTRY('rw')],
    ['a:b:c:d:e', ACL_ENTRY('a:b:c:d:e')],
    ['x:u:bob:7', ACL_ENTRY('x:u:bob:7')],
    ['d:d:u:7', ACL_ENTRY('d:d:u:7')],
    ['q:bob:7', ACL_ENTRY('q:bob:7')],
    ['m:bob:7', ACL_ENTRY('m:bob:7')],
    ['o:bob:7', ACL_ENTRY('o:bob:7')],
    ['u::7', ACL_BASE('u::7')],
    ['g::rw', ACL_BASE('g::rw')],
    ['o:7', ACL_BASE('o:7')],
    ['user::rwx', ACL_BASE('user::rwx')],
    ['u:bob:rwz', ACL_CHAR('u:bob:rwz', 'z')],
    ['u:bob:8', ACL_CHAR('u:bob:8', '8')],
    ['u:bob:77', ACL_CHAR('u:bob:77', '7')],
  ])('rejects the ACE %s', (ace, message) => {
    expect(errorsOf(permission(`acls: ["u:ok:r", "${ace}"]`))).toEqual([
      error(message, 'permissions[0].acls[1]'),
    ]);
  });

  it('rejects an empty ACE list item and acls that are not a list', () => {
    expect(errorsOf(permission('acls:', '  -'))).toEqual([error(ACL_ENTRY(''), 'permissions[0].acls[0]')]);
    expect(validate(permission('acls: "u:bob:rw"')).errors.map((e) => e.path)).toEqual([
      'permissions[0].acls',
    ]);
  });

  it.each([
    ['{name: user_u}', '{"name"=>"user_u"}'],
    ['{type: ~, range: s0}', '{"type"=>nil, "range"=>"s0"}'],
    ['{user: ~, type: ~, range: ~}', '{"user"=>nil, "type"=>nil, "range"=>nil}'],
    ['httpd_sys_content_t', '"httpd_sys_content_t"'],
  ])('rejects the context %s, which has no type', (context, inspect) => {
    expect(errorsOf(permission(`context: ${context}`))).toEqual([
      error(CONTEXT_TYPE(inspect), 'permissions[0].context'),
    ]);
  });

  it("warns that the agent reads the SELinux user from 'name', not 'user'", () => {
    const warning = onlyWarning(permission('context: {user: system_u, type: t}'), 'UNKNOWN_KEY');
    expect(warning).toMatchObject({ path: 'permissions[0].context.user' });
    expect(warning?.message).toContain("'name'");
  });

  it.each([
    ['s0', null],
    ['s0-s15', null],
    ['s0-s0', null],
    ['s0:c0.c1023', null],
    ['s0:c1,c3.c5', null],
    ['s2-s3:c0,c1', null],
    ['s0:c1,', null], // Ruby's split drops the trailing empty field
    ['', 'invalid range part '],
    ['s0-', 'invalid range part s0-'],
    ['-s1', 'invalid range part -s1'],
    ['s0:', 'invalid range part s0:'],
    ['s0:c1.', 'invalid range part c1.'],
    ['x0', 'invalid sensitivity x0'],
    ['s', 'invalid sensitivity s'],
    ['sa', 'invalid sensitivity sa'],
    ['s0-s1x', 'invalid sensitivity s1x'],
    ['s0:c1024', 'invalid category c1024'],
    ['s0:cx', 'invalid category cx'],
    ['s0:c1,,c2', 'invalid category '],
    ['s0:c1.c2.c3', 'invalid category c2.c3'],
    ['s0:c5.c2', 'invalid category range c5.c2'],
    ['s0:c1,c1', 'duplicate categories'],
    ['s0:c0.c3,c2', 'duplicate categories'],
  ])('range: "%s"', (range, message) => {
    const errors = errorsOf(permission(`context: {type: t, range: "${range}"}`));
    expect(errors).toEqual(message === null ? [] : [error(message, 'permissions[0].context.range')]);
  });

  it('rejects a range whose high sensitivity is below the low one', () => {
    const [issue, ...rest] = validate(permission('context: {type: t, range: "s3-s1"}')).errors;
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ code: 'INVALID_REVISION', path: 'permissions[0].context.range' });
    expect(issue?.message.startsWith(RANGE_PREFIX('s3-s1'))).toBe(true);
  });

  it('warns about globs that can never match', () => {
    expect(onlyWarning(permission('pattern: "a/*.sh"'), 'PATTERN_NEVER_MATCHES')?.path).toBe(
      'permissions[0].pattern',
    );
    expect(onlyWarning(permission('except: [tmp/my-app/x]'), 'EXCEPT_NEVER_MATCHES')?.path).toBe(
      'permissions[0].except[0]',
    );
  });

  it('warns about unknown keys in a permission', () => {
    const warning = onlyWarning(permission('patern: "*.sh"'), 'UNKNOWN_KEY');
    expect(warning).toMatchObject({ path: 'permissions[0].patern' });
    expect(warning?.message).toContain("Did you mean 'pattern'?");
  });

  it.each([
    ['permissions is a mapping', `${HEADER}permissions:\n  object: /srv\n`, ['permissions']],
    ['an entry is a string', `${HEADER}permissions:\n  - /srv\n`, ['permissions[0]']],
    ['except is a string', permission('except: skip.sh'), ['permissions[0].except']],
    ['owner is a list', permission('owner: [root]'), ['permissions[0].owner']],
    [
      'mode, acls, context and type are all wrong',
      permission('mode: [7]', 'acls: {a: 1}', 'context: [t]', 'type: {a: 1}'),
      ['permissions[0].type', 'permissions[0].mode', 'permissions[0].acls', 'permissions[0].context'],
    ],
  ])('reports an error, not an exception, when %s', (_name, text, paths) => {
    const { errors } = validate(text);
    expect(errors.every((e) => e.code === 'INVALID_REVISION')).toBe(true);
    expect(errors.map((e) => e.path)).toEqual(paths);
  });
});

describe("validateServerAppSpec: plain scalars as Ruby's Psych loads them", () => {
  it('reads a bare . as the string "." (the yaml package would give NaN)', () => {
    const result = validate(`${HEADER}files:\n  - source: web.zip\n    destination: .\n`);
    expect(result.appSpec?.files).toEqual([{ source: 'web.zip', destination: '.' }]);
    expect(result.warnings.map((w) => w.code)).toEqual(['RELATIVE_DESTINATION']);
  });

  it.each([
    ['1e3', 1], // no '.', so a string to Psych: "1e3".to_i
    ['"1e3"', 1],
    ['1.5e3', 1], // YAML 1.1 floats need a signed exponent
    ['1.5e+3', 1500],
    ['0789', 789], // neither octal nor decimal: the string "0789"
    ['010', 8], // octal
  ])('timeout: %s is %d seconds', (written, seconds) => {
    const text = `${HEADER}hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: ${written}\n`;
    expect(validate(text).appSpec?.hooks.AfterInstall?.[0]?.timeout).toBe(seconds);
  });

  it('shows "0789" as written in a mode error', () => {
    const text = `${HEADER}permissions:\n  - object: /srv\n    mode: 0789\n`;
    expect(brief(validate(text).errors)).toEqual([error(MODE_CHAR('0789', '8'), 'permissions[0].mode')]);
  });
});

describe('validateServerAppSpec: the model', () => {
  it('produces the ServerAppSpec of a complete file', () => {
    const text = [
      'version: 0.0',
      'os: linux',
      'files:',
      '  - source: /',
      '    destination: /srv/app',
      'file_exists_behavior: OVERWRITE',
      'permissions:',
      '  - object: /srv/app',
      '    owner: app',
      '    mode: "0750"',
      '    type: [directory]',
      'hooks:',
      '  ApplicationStop:',
      '  BeforeInstall:',
      '    - location: scripts/install.sh',
      '      timeout: 300',
      '      runas: root',
      '  ApplicationStart:',
      '    - location: scripts/start.sh',
      '      sudo: true',
    ].join('\n');
    expect(validate(text)).toEqual({
      errors: [],
      warnings: [],
      appSpec: {
        platform: 'server',
        version: 0,
        os: 'linux',
        files: [{ source: '/', destination: '/srv/app' }],
        fileExistsBehavior: 'OVERWRITE',
        permissions: [
          { object: '/srv/app', pattern: '**', except: [], owner: 'app', mode: '0750', type: ['directory'] },
        ],
        hooks: {
          BeforeInstall: [{ location: 'scripts/install.sh', timeout: 300, runas: 'root', sudo: false }],
          ApplicationStart: [{ location: 'scripts/start.sh', timeout: 3600, sudo: true }],
        },
      },
    });
  });

  it('gives os windows in the model on a Windows agent', () => {
    expect(validate('version: 0.0\nos: windows\n', 'windows').appSpec?.os).toBe('windows');
  });

  it('gives no model when there is any error, but still the warnings', () => {
    const result = validate('version: 1.0\nos: linux\nhooks:\n  Install:\n    - location: a.sh\n');
    expect(result.appSpec).toBeUndefined();
    expect(result.warnings.map((w) => w.code)).toEqual(['NOT_SCRIPTABLE_LIFECYCLE_EVENT']);
  });
});
