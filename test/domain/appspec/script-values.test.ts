/**
 * Every AppSpec value that reaches an instance script is checked when the AppSpec is validated, so a
 * bad one fails the deployment as INVALID_REVISION before any host is touched, naming its field.
 * CodeDeploy takes owner, group, runas and ACL names as free strings (reference §1.2.4) and fails at
 * Install when the instance has no such user; where stepdeploy is stricter, the case says why.
 */
import { describe, expect, it } from 'vitest';
import { validateAppSpec } from '../../../functions/domain/appspec/index.js';
import type { ServerAppSpec } from '../../../functions/domain/appspec/model.js';
import { instanceScriptProblem } from '../../../functions/domain/instance-scripts/index.js';

const json = (value: unknown) => JSON.stringify(value);
const withPermission = (permission: Record<string, unknown>) =>
  json({ version: 0.0, os: 'linux', permissions: [{ object: '/srv/app', ...permission }] });
const withFile = (file: Record<string, unknown>) =>
  json({ version: 0.0, os: 'linux', files: [{ source: 'app', destination: '/srv/app', ...file }] });
const withHook = (script: Record<string, unknown>) =>
  json({ version: 0.0, os: 'linux', hooks: { AfterInstall: [{ location: 'scripts/a.sh', ...script }] } });

const BAD: Array<[string, string, string, string]> = [
  [
    'an owner with a ";" (stricter than CodeDeploy: chown gets user names only)',
    withPermission({ owner: 'root;touch x' }),
    'permissions[0].owner',
    'The permissions owner "root;touch x" is not a name stepdeploy accepts',
  ],
  [
    'a group with "$(...)" (stricter than CodeDeploy: chgrp gets group names only)',
    withPermission({ group: '$(touch x)' }),
    'permissions[0].group',
    'The permissions group "$(touch x)" is not a name stepdeploy accepts',
  ],
  [
    'an owner that reads as an option (stricter than CodeDeploy)',
    withPermission({ owner: '--reference=/etc/shadow' }),
    'permissions[0].owner',
    'is not a name stepdeploy accepts',
  ],
  [
    'an ACL entry whose name holds a ";" (stricter than CodeDeploy: the ACL is one setfacl argument)',
    withPermission({ acls: ['u:bob;touch x:rwx'] }),
    'permissions[0].acls[0]',
    'The acl entry "u:bob;touch x:rwx" names "bob;touch x", which is not a name stepdeploy accepts',
  ],
  [
    'an ACL entry whose name adds entries with a ","',
    withPermission({ acls: ['u:bob,eve:rwx'] }),
    'permissions[0].acls[0]',
    'which is not a name stepdeploy accepts',
  ],
  [
    'an SELinux type with a space (stricter than CodeDeploy)',
    withPermission({ context: { type: 'httpd_t; touch x' } }),
    'permissions[0].context.type',
    'The SELinux context type "httpd_t; touch x" is not one stepdeploy can pass to semanage',
  ],
  [
    'a NUL in a destination (no instance script can carry it)',
    withFile({ destination: '/srv/a\u0000b' }),
    'files[0].destination',
    'The destination "/srv/a\\u0000b" contains a newline, carriage return or NUL character, which stepdeploy\'s instance scripts cannot carry',
  ],
  [
    'a newline in a source',
    withFile({ source: 'app\nx' }),
    'files[0].source',
    'contains a newline, carriage return or NUL character',
  ],
  [
    'a source that climbs out of the revision (stricter than the agent, which would copy it)',
    withFile({ source: '../../etc' }),
    'files[0].source',
    "The source ../../etc climbs out of the revision with '..'",
  ],
  [
    'a NUL in a permissions object',
    withPermission({ object: '/srv/\u0000app' }),
    'permissions[0].object',
    'contains a newline, carriage return or NUL character',
  ],
  [
    'a newline in a pattern',
    withPermission({ pattern: '*\n.sh' }),
    'permissions[0].pattern',
    'contains a newline, carriage return or NUL character',
  ],
  [
    'an invalid runas (stricter than CodeDeploy: su gets user names only)',
    withHook({ runas: 'root; touch x' }),
    'hooks.AfterInstall[0].runas',
    'The runas user "root; touch x" is not a user name stepdeploy accepts',
  ],
  [
    'a runas that reads as an option',
    withHook({ runas: '-c' }),
    'hooks.AfterInstall[0].runas',
    'is not a user name stepdeploy accepts',
  ],
  [
    'a script location that climbs out of the revision (stricter than the agent, which would run it)',
    withHook({ location: '../../../bin/sh' }),
    'hooks.AfterInstall[0].location',
    "The script location ../../../bin/sh climbs out of the revision with '..'",
  ],
  [
    "a script location naming the revision's root",
    withHook({ location: 'scripts/..' }),
    'hooks.AfterInstall[0].location',
    "names the revision's root directory, not a script",
  ],
  [
    'a newline in a script location',
    withHook({ location: 'a.sh\nrm -rf /' }),
    'hooks.AfterInstall[0].location',
    'contains a newline, carriage return or NUL character',
  ],
];

describe('values that reach instance scripts are checked with the AppSpec', () => {
  it.each(BAD)('%s: INVALID_REVISION at its field', (_case, text, path, message) => {
    const verdict = validateAppSpec(text, { platform: 'server' });
    expect(verdict.valid).toBe(false);
    expect(verdict.errors).toContainEqual(
      expect.objectContaining({ code: 'INVALID_REVISION', path, message: expect.stringContaining(message) }),
    );
  });

  const GOOD: Array<[string, string]> = [
    [
      'user and group names, numeric ids and ACL names',
      withPermission({
        owner: 'www-data',
        group: '1000',
        acls: ['u:bob:rwx', 'd:g:dev@corp:r-x', 'u:MACHINE$:r'],
      }),
    ],
    [
      'an SELinux context',
      withPermission({ context: { name: 'system_u', type: 'httpd_sys_content_t', range: 's0' } }),
    ],
    ['paths with spaces, quotes and $(...)', withFile({ source: "it's $(x)", destination: '/srv/my app' })],
    [
      'a runas user and a location with ..',
      withHook({ runas: 'ec2-user', location: 'scripts/../scripts/a.sh' }),
    ],
  ];

  it.each(GOOD)('%s are valid, and the instance scripts carry them', (_case, text) => {
    const verdict = validateAppSpec(text, { platform: 'server' });
    expect(verdict.errors).toEqual([]);
    expect(instanceScriptProblem(verdict.appSpec as ServerAppSpec)).toBeUndefined();
  });

  it("the scripts' own check refuses what the validator refuses (Prepare asks it too)", () => {
    const spec: ServerAppSpec = {
      platform: 'server',
      version: 0,
      os: 'linux',
      files: [],
      hooks: {},
      permissions: [{ object: '/srv', pattern: '**', except: [], type: ['file'], owner: 'root;touch x' }],
    };
    expect(instanceScriptProblem(spec)).toContain('"root;touch x" is not a user or group name');
  });
});
