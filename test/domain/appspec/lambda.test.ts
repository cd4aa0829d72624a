import { describe, expect, it } from 'vitest';
import { INVALID_REVISION, type AppSpecIssue } from '../../../functions/domain/appspec/issues.js';
import { validateLambdaAppSpec } from '../../../functions/domain/appspec/lambda.js';
import { parseAppSpecSource } from '../../../functions/domain/appspec/source.js';

const validate = (text: string) => validateLambdaAppSpec(parseAppSpecSource(text));

const BASE = `version: 0.0
Resources:
  - myFn:
      Type: AWS::Lambda::Function
      Properties:
        Name: my-function
        Alias: live
        CurrentVersion: "1"
        TargetVersion: "2"
Hooks:
  - BeforeAllowTraffic: CodeDeployHook_pre
  - AfterAllowTraffic: CodeDeployHook_post
`;

/** BASE with `from` replaced (it must occur) by `to`. */
function edit(from: string, to: string, text = BASE): string {
  if (!text.includes(from)) throw new Error(`test bug: ${JSON.stringify(from)} not in the AppSpec`);
  return text.replace(from, to);
}

const P = 'Resources[0].myFn.Properties';
const only = (issues: AppSpecIssue[]) => issues.map(({ code, message, path }) => ({ code, message, path }));
const error = (message: string, path: string) => ({ code: INVALID_REVISION, message, path });

const VERSION_FIX = 'Make sure your AppSpec file specifies "0.0" as the version, and then try again.';
const badVersion = (shown: string) =>
  `The deployment failed because an invalid version value (${shown}) was entered in the application specification file. ${VERSION_FIX}`;
const NOT_SCRIPTS =
  'Lambda hooks are Lambda function names that CodeDeploy invokes, not EC2-style scripts with location, timeout and runas';
const HOOKS_EXAMPLE = '"- AfterAllowTraffic: MyHookFunction"';
const RESOURCE_SAMPLE = '"- myLambdaFunction:" with Type: AWS::Lambda::Function and Properties under it';

describe('validateLambdaAppSpec: a valid AppSpec', () => {
  it('produces the LambdaAppSpec model with no errors or warnings', () => {
    expect(validate(BASE)).toEqual({
      errors: [],
      warnings: [],
      appSpec: {
        platform: 'lambda',
        version: 0,
        resourceName: 'myFn',
        functionName: 'my-function',
        alias: 'live',
        currentVersion: '1',
        targetVersion: '2',
        hooks: [
          { event: 'BeforeAllowTraffic', functionName: 'CodeDeployHook_pre' },
          { event: 'AfterAllowTraffic', functionName: 'CodeDeployHook_post' },
        ],
      },
    });
  });

  it('accepts the same AppSpec as JSON', () => {
    const json = JSON.stringify({
      version: 0.0,
      Resources: [
        {
          myFn: {
            Type: 'AWS::Lambda::Function',
            Properties: { Name: 'f', Alias: 'a', CurrentVersion: '3', TargetVersion: '4' },
          },
        },
      ],
      Hooks: [{ AfterAllowTraffic: 'check' }],
    });
    const result = validate(json);
    expect(result.errors).toEqual([]);
    expect(result.appSpec).toMatchObject({
      currentVersion: '3',
      targetVersion: '4',
      hooks: [{ event: 'AfterAllowTraffic', functionName: 'check' }],
    });
  });

  it.each([
    [
      'no Hooks key',
      edit(
        'Hooks:\n  - BeforeAllowTraffic: CodeDeployHook_pre\n  - AfterAllowTraffic: CodeDeployHook_post\n',
        '',
      ),
    ],
    [
      'Hooks: with only commented entries (null)',
      edit(
        '  - BeforeAllowTraffic: CodeDeployHook_pre\n  - AfterAllowTraffic: CodeDeployHook_post\n',
        '  # - BeforeAllowTraffic: x\n',
      ),
    ],
    [
      'an empty Hooks list',
      edit(
        'Hooks:\n  - BeforeAllowTraffic: CodeDeployHook_pre\n  - AfterAllowTraffic: CodeDeployHook_post\n',
        'Hooks: []\n',
      ),
    ],
  ])('treats %s as no hooks', (_name, text) => {
    const result = validate(text);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.appSpec?.hooks).toEqual([]);
  });

  it('accepts the lowercase keys of the docs resources page without warnings, keeping the hook order of the file', () => {
    const text = `version: 0.0
resources:
  - fn:
      type: AWS::Lambda::Function
      properties:
        name: f
        alias: live
        currentversion: 1
        targetversion: 2
hooks:
  - AfterAllowTraffic: post
  - BeforeAllowTraffic: pre
`;
    expect(validate(text)).toEqual({
      errors: [],
      warnings: [],
      appSpec: {
        platform: 'lambda',
        version: 0,
        resourceName: 'fn',
        functionName: 'f',
        alias: 'live',
        currentVersion: '1',
        targetVersion: '2',
        hooks: [
          { event: 'AfterAllowTraffic', functionName: 'post' },
          { event: 'BeforeAllowTraffic', functionName: 'pre' },
        ],
      },
    });
  });
});

describe('version', () => {
  it.each([
    ['the number 0.0', 'version: 0.0'],
    ['the integer 0 (0 == 0.0)', 'version: 0'],
    ['0.00', 'version: 0.00'],
    [
      'the string "0.0": unlike the EC2 agent, accepted for Lambda, since the docs say "specify version with a string" and JSON users quote it',
      'version: "0.0"',
    ],
    ['a Version key in another case', 'Version: 0.0'],
  ])('accepts %s', (_name, line) => {
    const result = validate(edit('version: 0.0', line));
    expect(result.errors).toEqual([]);
    expect(result.appSpec?.version).toBe(0);
  });

  it.each([
    ['1', 'version: 1', '1'],
    ['1.0, shown as written', 'version: 1.0', '1.0'],
    ['0.2', 'version: 0.2', '0.2'],
    ['the string "0"', 'version: "0"', '0'],
    ['the string "1.0"', "version: '1.0'", '1.0'],
    ['null', 'version:', ''],
    ['a list', 'version: [0.0]', ''],
    ['a YAML 1.1 boolean, shown as written', 'version: yes', 'yes'],
  ])('rejects %s', (_name, line, shown) => {
    const result = validate(edit('version: 0.0', line));
    expect(only(result.errors)).toEqual([error(badVersion(shown), 'version')]);
    expect(result.appSpec).toBeUndefined();
  });

  it('rejects a missing version, located at the top of the document', () => {
    const result = validate(edit('version: 0.0\n', ''));
    expect(result.errors).toEqual([
      {
        ...error(
          `The deployment failed because no version value was entered in the application specification file. ${VERSION_FIX}`,
          'version',
        ),
        line: 1,
        column: 1,
      },
    ]);
  });

  it('locates a bad version at its value', () => {
    expect(validate(edit('version: 0.0', 'version: 2')).errors[0]).toMatchObject({ line: 1, column: 10 });
  });
});

describe('Resources', () => {
  const RESOURCES = `Resources:
  - myFn:
      Type: AWS::Lambda::Function
      Properties:
        Name: my-function
        Alias: live
        CurrentVersion: "1"
        TargetVersion: "2"
`;
  const withResources = (replacement: string) => edit(RESOURCES, replacement);

  it.each([
    [
      'missing',
      '',
      `Resources is required: a list with exactly one Lambda resource, ${RESOURCE_SAMPLE}.`,
      'Resources',
    ],
    [
      'null',
      'Resources:\n',
      `Resources is required: a list with exactly one Lambda resource, ${RESOURCE_SAMPLE}.`,
      'Resources',
    ],
    [
      'an empty list',
      'Resources: []\n',
      `Resources is required: a list with exactly one Lambda resource, ${RESOURCE_SAMPLE}; found an empty list.`,
      'Resources',
    ],
    [
      'a map (no list item)',
      'Resources:\n  myFn:\n    Type: AWS::Lambda::Function\n',
      `Resources is required: a list with exactly one Lambda resource, ${RESOURCE_SAMPLE}; found a map.`,
      'Resources',
    ],
    [
      'a string',
      'Resources: myFn\n',
      `Resources is required: a list with exactly one Lambda resource, ${RESOURCE_SAMPLE}; found the string "myFn".`,
      'Resources',
    ],
    [
      'two resources',
      `${RESOURCES}  - other:\n      Type: AWS::Lambda::Function\n`,
      'The target list of both types of deployments must have exactly one item: Resources lists 2 resources (myFn, other). Only 1 Lambda resource is supported in a deployment; deploy each one separately.',
      'Resources[1]',
    ],
    [
      'a list item that is a string',
      'Resources:\n  - myFn\n',
      `Resources[0] must be a map with one key, the resource's logical name: ${RESOURCE_SAMPLE}; found the string "myFn".`,
      'Resources[0]',
    ],
    [
      'a list item with two logical names',
      'Resources:\n  - a: {}\n    b: {}\n',
      `Resources[0] must be a map with one key, the resource's logical name: ${RESOURCE_SAMPLE}; found 2 keys.`,
      'Resources[0]',
    ],
    [
      'Type and Properties beside the logical name instead of under it',
      'Resources:\n  - myFn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Name: f\n',
      `Type and Properties must be indented under the resource's logical name "myFn", not beside it.`,
      'Resources[0].Type',
    ],
    [
      'a logical name with no body',
      'Resources:\n  - myFn:\n',
      'myFn must be a map with Type: AWS::Lambda::Function and Properties; found nothing (null).',
      'Resources[0].myFn',
    ],
  ])('rejects Resources that is %s', (_name, replacement, message, path) => {
    const result = validate(withResources(replacement));
    expect(only(result.errors)).toEqual([error(message, path)]);
    expect(result.appSpec).toBeUndefined();
  });

  it('locates the extra resource of a multi-resource AppSpec', () => {
    const result = validate(withResources(`${RESOURCES}  - other:\n      Type: AWS::Lambda::Function\n`));
    expect(result.errors[0]).toMatchObject({ line: 10, column: 5 });
  });

  it.each([
    [
      'missing',
      'Type: AWS::Lambda::Function\n      ',
      '',
      'Type is required: set Type: AWS::Lambda::Function.',
      `Resources[0].myFn.Type`,
    ],
    [
      'wrong',
      'Type: AWS::Lambda::Function',
      'Type: AWS::Serverless::Function',
      'Type must be AWS::Lambda::Function; found the string "AWS::Serverless::Function".',
      'Resources[0].myFn.Type',
    ],
    [
      'the ECS type',
      'Type: AWS::Lambda::Function',
      'Type: AWS::ECS::Service',
      `Type must be AWS::Lambda::Function; found the string "AWS::ECS::Service" (that makes this an ECS AppSpec: check the deployment group's compute platform).`,
      'Resources[0].myFn.Type',
    ],
    [
      'in lowercase',
      'Type: AWS::Lambda::Function',
      'Type: aws::lambda::function',
      'Type must be AWS::Lambda::Function; found the string "aws::lambda::function".',
      'Resources[0].myFn.Type',
    ],
  ])('rejects a Type that is %s', (_name, from, to, message, path) => {
    expect(only(validate(edit(from, to)).errors)).toEqual([error(message, path)]);
  });

  it.each([
    ['missing', withResources('Resources:\n  - myFn:\n      Type: AWS::Lambda::Function\n'), 'is required'],
    [
      'a list',
      withResources('Resources:\n  - myFn:\n      Type: AWS::Lambda::Function\n      Properties: [a]\n'),
      'must be a map; found a list',
    ],
  ])('rejects Properties that is %s', (_name, text, what) => {
    expect(only(validate(text).errors)).toEqual([
      error(
        `Properties ${what}: list the Lambda resource's properties under myFn.Properties.`,
        'Resources[0].myFn.Properties',
      ),
    ]);
  });
});

describe('Properties', () => {
  const NAME_EMPTY =
    'Name must not be empty (Lambda Function Name): set it to the name of the Lambda function to deploy.';
  const ALIAS_EMPTY =
    'Alias must not be empty (Lambda Function Alias): set it to the alias whose traffic CodeDeploy shifts.';

  it.each([
    ['Name missing', '        Name: my-function\n', '', NAME_EMPTY, `${P}.Name`],
    ['Name empty', 'Name: my-function', 'Name: ""', NAME_EMPTY, `${P}.Name`],
    ['Name null', 'Name: my-function', 'Name:', NAME_EMPTY, `${P}.Name`],
    ['Name blank', 'Name: my-function', 'Name: "  "', NAME_EMPTY, `${P}.Name`],
    ['Name a list', 'Name: my-function', 'Name: [a]', 'Name must be a string; found a list.', `${P}.Name`],
    [
      'Alias a YAML 1.1 boolean',
      'Alias: live',
      'Alias: on',
      'Alias must be a string; found true (YAML 1.1 reads unquoted yes/no/on/off as booleans).',
      `${P}.Alias`,
    ],
    ['Alias missing', '        Alias: live\n', '', ALIAS_EMPTY, `${P}.Alias`],
    [
      'CurrentVersion missing',
      '        CurrentVersion: "1"\n',
      '',
      'CurrentVersion must not be empty (Lambda Function current version, ex: 1).',
      `${P}.CurrentVersion`,
    ],
    [
      'TargetVersion empty',
      'TargetVersion: "2"',
      'TargetVersion: ""',
      'TargetVersion must not be empty (Lambda Function target version to flip to, ex: 2).',
      `${P}.TargetVersion`,
    ],
  ])('rejects %s', (_name, from, to, message, path) => {
    const result = validate(edit(from, to));
    expect(only(result.errors)).toEqual([error(message, path)]);
    expect(result.appSpec).toBeUndefined();
  });

  const current = (found: string) =>
    `CurrentVersion must be a valid positive integer (the version the alias points to now, e.g. "1"); found ${found}.`;
  it.each([
    ['"0"', '"0"', 'the string "0"'],
    ['0', '0', 'the number 0'],
    ['"1.5"', '"1.5"', 'the string "1.5"'],
    ['1.5', '1.5', 'the number 1.5'],
    ['2.0 (a float, though it equals 2)', '2.0', 'the number 2.0'],
    ['"0.1"', '"0.1"', 'the string "0.1"'],
    ['"-1"', '"-1"', 'the string "-1"'],
    ['"01"', '"01"', 'the string "01"'],
    ['$LATEST', '$LATEST', 'the string "$LATEST"; $LATEST is not a published version'],
    [
      'a CloudFormation !Ref (the parser keeps the scalar text)',
      '!Ref LambdaVersion',
      'the string "LambdaVersion"',
    ],
    [
      'a placeholder',
      '"{{CURRENT_VERSION}}"',
      'the string "{{CURRENT_VERSION}}", which looks like an unfilled template placeholder',
    ],
    ['a list', '[1]', 'a list'],
  ])('rejects CurrentVersion %s: "must be a valid positive integer"', (_name, value, found) => {
    const result = validate(edit('CurrentVersion: "1"', `CurrentVersion: ${value}`));
    expect(only(result.errors)).toEqual([error(current(found), `${P}.CurrentVersion`)]);
  });

  it('rejects a bad TargetVersion with its own wording, at its line and column', () => {
    expect(validate(edit('TargetVersion: "2"', 'TargetVersion: "two"')).errors).toEqual([
      {
        ...error(
          'TargetVersion must be a valid positive integer (the version to shift to, e.g. "2"); found the string "two".',
          `${P}.TargetVersion`,
        ),
        line: 9,
        column: 24,
      },
    ]);
  });

  it.each([
    ['unquoted YAML integers', 'CurrentVersion: 7', 'TargetVersion: 12', '7', '12'],
    ['large version numbers', 'CurrentVersion: "1041"', 'TargetVersion: "1042"', '1041', '1042'],
  ])('accepts %s, normalised to strings', (_name, currentLine, targetLine, currentVersion, targetVersion) => {
    const text = edit('TargetVersion: "2"', targetLine, edit('CurrentVersion: "1"', currentLine));
    expect(validate(text).appSpec).toMatchObject({ currentVersion, targetVersion });
  });

  it.each([
    ['as strings', '"1"', '"1"'],
    ['as a string and an integer', '"3"', '3'],
  ])(
    'rejects CurrentVersion equal to TargetVersion (%s): nothing to shift',
    (_name, currentValue, targetValue) => {
      const text = edit(
        'TargetVersion: "2"',
        `TargetVersion: ${targetValue}`,
        edit('CurrentVersion: "1"', `CurrentVersion: ${currentValue}`),
      );
      const shown = currentValue.replaceAll('"', '');
      expect(only(validate(text).errors)).toEqual([
        error(
          `CurrentVersion and TargetVersion are both "${shown}": there is no traffic to shift. Set TargetVersion to the version to deploy.`,
          `${P}.TargetVersion`,
        ),
      ]);
    },
  );

  it('reports every missing property at once', () => {
    const text = edit(
      '        Name: my-function\n        Alias: live\n        CurrentVersion: "1"\n        TargetVersion: "2"\n',
      '        {}\n',
    );
    expect(validate(text).errors.map((e) => e.path)).toEqual([
      `${P}.Name`,
      `${P}.Alias`,
      `${P}.CurrentVersion`,
      `${P}.TargetVersion`,
    ]);
  });

  it.each([
    ['Name', 'Name: my-function', 'Name: <FUNCTION_NAME>', '<FUNCTION_NAME>'],
    ['Alias', 'Alias: live', 'Alias: "{{ alias }}"', '{{ alias }}'],
  ])('warns PLACEHOLDER_VALUE on a template placeholder in %s', (field, from, to, value) => {
    const result = validate(edit(from, to));
    expect(result.errors).toEqual([]);
    expect(only(result.warnings)).toEqual([
      {
        code: 'PLACEHOLDER_VALUE',
        message: `${field} "${value}" looks like an unfilled template placeholder: replace it before deploying, as CodeDeploy uses the value as written.`,
        path: `${P}.${field}`,
      },
    ]);
    expect(result.appSpec).toBeDefined();
  });
});

describe('keys', () => {
  it('warns NONSTANDARD_KEY_CASE for a key that is neither PascalCase nor lowercase, and reads it', () => {
    const result = validate(edit('CurrentVersion: "1"', 'currentVersion: "1"'));
    expect(result.errors).toEqual([]);
    expect(only(result.warnings)).toEqual([
      {
        code: 'NONSTANDARD_KEY_CASE',
        message:
          'Key "currentVersion" is read as "CurrentVersion" (keys match case-insensitively); write "CurrentVersion" as documented.',
        path: `${P}.currentVersion`,
      },
    ]);
  });

  it('names a key by its spelling in the file in error paths', () => {
    const text = edit('Properties:', 'properties:', edit('TargetVersion: "2"', 'targetversion: "x"'));
    expect(validate(text).errors.map((e) => e.path)).toEqual(['Resources[0].myFn.properties.targetversion']);
  });

  it('warns DUPLICATE_KEY for a second spelling of a key, and reads the documented one', () => {
    const result = validate(edit('Name: my-function', 'Name: my-function\n        name: other'));
    expect(result.appSpec?.functionName).toBe('my-function');
    expect(only(result.warnings)).toEqual([
      {
        code: 'DUPLICATE_KEY',
        message: 'Key "name" repeats "Name" in another case and is ignored; keep one.',
        path: `${P}.name`,
      },
    ]);
  });

  it.each([
    [
      'an EC2 files section at the top level',
      'Hooks:',
      'files:\n  - source: /\n    destination: /app\nHooks:',
      'Unknown key "files" at the top level is ignored; files is an EC2/On-Premises AppSpec section.',
      'files',
    ],
    [
      'an extra property',
      'Alias: live',
      'Alias: live\n        Description: hi',
      'Unknown key "Description" in Properties is ignored; known keys: Name, Alias, CurrentVersion, TargetVersion.',
      `${P}.Description`,
    ],
    [
      'an extra resource attribute',
      'Type: AWS::Lambda::Function',
      'Type: AWS::Lambda::Function\n      Condition: IsProd',
      'Unknown key "Condition" in resource myFn is ignored; known keys: Type, Properties.',
      'Resources[0].myFn.Condition',
    ],
  ])('warns UNKNOWN_KEY for %s', (_name, from, to, message, path) => {
    const result = validate(edit(from, to));
    expect(result.errors).toEqual([]);
    expect(only(result.warnings)).toEqual([{ code: 'UNKNOWN_KEY', message, path }]);
    expect(result.appSpec).toBeDefined();
  });
});

describe('Hooks', () => {
  const HOOKS =
    'Hooks:\n  - BeforeAllowTraffic: CodeDeployHook_pre\n  - AfterAllowTraffic: CodeDeployHook_post\n';
  const withHooks = (replacement: string) => edit(HOOKS, replacement);

  it.each([
    [
      'an EC2-style map of scripts',
      'Hooks:\n  BeforeAllowTraffic:\n    - location: scripts/check.sh\n      timeout: 60\n',
      `Hooks must be a list of single-key maps such as ${HOOKS_EXAMPLE}: ${NOT_SCRIPTS}.`,
      'Hooks',
    ],
    [
      'a map of function names',
      'Hooks:\n  BeforeAllowTraffic: pre\n',
      `Hooks must be a list of single-key maps such as ${HOOKS_EXAMPLE}: found a map.`,
      'Hooks',
    ],
    [
      'a string',
      'Hooks: pre\n',
      `Hooks must be a list of single-key maps such as ${HOOKS_EXAMPLE}: found the string "pre".`,
      'Hooks',
    ],
    [
      'a list item with two events',
      'Hooks:\n  - BeforeAllowTraffic: pre\n    AfterAllowTraffic: post\n',
      `Each hook must be its own list item with one key, such as ${HOOKS_EXAMPLE}; found 2 keys.`,
      'Hooks[0]',
    ],
    [
      'a list item that is a string',
      'Hooks:\n  - BeforeAllowTraffic\n',
      `Each hook must be its own list item with one key, such as ${HOOKS_EXAMPLE}; found the string "BeforeAllowTraffic".`,
      'Hooks[0]',
    ],
    [
      'an empty list item',
      'Hooks:\n  -\n',
      `Each hook must be its own list item with one key, such as ${HOOKS_EXAMPLE}; found nothing (null).`,
      'Hooks[0]',
    ],
    [
      'an ECS-only event',
      'Hooks:\n  - AfterInstall: post\n',
      'The hooks must be one of the Lambda supported hooks: BeforeAllowTraffic, AfterAllowTraffic; found "AfterInstall".',
      'Hooks[0].AfterInstall',
    ],
    [
      'an EC2-style script list under a valid event',
      'Hooks:\n  - BeforeAllowTraffic:\n      - location: check.sh\n',
      `BeforeAllowTraffic must be the name of a Lambda function: ${NOT_SCRIPTS}.`,
      'Hooks[0].BeforeAllowTraffic',
    ],
    [
      'an empty function name',
      'Hooks:\n  - BeforeAllowTraffic: ""\n',
      'Value cannot be empty for hook: BeforeAllowTraffic. Give the name of the Lambda function to invoke.',
      'Hooks[0].BeforeAllowTraffic',
    ],
    [
      'a null function name',
      'Hooks:\n  - AfterAllowTraffic:\n',
      'Value cannot be empty for hook: AfterAllowTraffic. Give the name of the Lambda function to invoke.',
      'Hooks[0].AfterAllowTraffic',
    ],
    [
      'a function name that is a map',
      'Hooks:\n  - AfterAllowTraffic: {name: f}\n',
      'AfterAllowTraffic must be a string; found a map.',
      'Hooks[0].AfterAllowTraffic',
    ],
    [
      'an event listed twice',
      'Hooks:\n  - BeforeAllowTraffic: a\n  - AfterAllowTraffic: b\n  - BeforeAllowTraffic: c\n',
      'BeforeAllowTraffic is listed twice (also Hooks[0]); each hook runs once per deployment, so list it once.',
      'Hooks[2].BeforeAllowTraffic',
    ],
  ])('rejects Hooks with %s', (_name, hooks, message, path) => {
    const result = validate(withHooks(hooks));
    expect(only(result.errors)).toEqual([error(message, path)]);
    expect(result.appSpec).toBeUndefined();
  });

  it('locates a hook error at the value of the hook', () => {
    expect(
      validate(withHooks('Hooks:\n  - BeforeAllowTraffic: a\n  - BeforeAllowTraffic: b\n')).errors[0],
    ).toMatchObject({
      line: 12,
      column: 25,
    });
  });

  it.each([
    ['a script path', 'scripts/check.sh'],
    ['a .sh file name', 'check.sh'],
  ])('warns HOOK_NOT_A_FUNCTION_NAME for %s', (_name, value) => {
    const result = validate(withHooks(`Hooks:\n  - BeforeAllowTraffic: ${value}\n`));
    expect(result.errors).toEqual([]);
    expect(only(result.warnings)).toEqual([
      {
        code: 'HOOK_NOT_A_FUNCTION_NAME',
        message: `BeforeAllowTraffic "${value}" looks like a script path, not a Lambda function name: ${NOT_SCRIPTS}.`,
        path: 'Hooks[0].BeforeAllowTraffic',
      },
    ]);
  });

  it('accepts a function ARN as the hook function', () => {
    const arn = 'arn:aws:lambda:us-east-1:111122223333:function:CodeDeployHook_pre';
    const result = validate(withHooks(`Hooks:\n  - BeforeAllowTraffic: ${arn}\n`));
    expect(result.warnings).toEqual([]);
    expect(result.appSpec?.hooks).toEqual([{ event: 'BeforeAllowTraffic', functionName: arn }]);
  });

  it('reads an event name in another case as the event, with a NONSTANDARD_KEY_CASE warning', () => {
    const result = validate(withHooks('Hooks:\n  - beforeAllowTraffic: pre\n'));
    expect(result.appSpec?.hooks).toEqual([{ event: 'BeforeAllowTraffic', functionName: 'pre' }]);
    expect(only(result.warnings)).toEqual([
      {
        code: 'NONSTANDARD_KEY_CASE',
        message:
          'Hook "beforeAllowTraffic" is read as "BeforeAllowTraffic"; write "BeforeAllowTraffic" as documented.',
        path: 'Hooks[0].beforeAllowTraffic',
      },
    ]);
  });

  it('warns PLACEHOLDER_VALUE (not HOOK_NOT_A_FUNCTION_NAME) for a placeholder hook function', () => {
    const result = validate(withHooks('Hooks:\n  - AfterAllowTraffic: "${HOOK}/x"\n'));
    expect(result.warnings.map((w) => w.code)).toEqual(['PLACEHOLDER_VALUE']);
  });
});

describe('whole-document problems', () => {
  it.each([
    ['an empty file', ''],
    ['whitespace only', '  \n\n'],
    ['comments only', '# version: 0.0\n'],
    ['null', '~\n'],
  ])('rejects %s with the empty-file message', (_name, text) => {
    expect(only(validate(text).errors)).toEqual([
      error(
        "The deployment failed because the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'Resources' properties.",
        '',
      ),
    ]);
  });

  it.each([
    ['a string', 'hello\n', 'the string "hello"'],
    ['a number', '42\n', 'the number 42'],
    ['a list', '- version: 0.0\n', 'a list'],
  ])('rejects a document that is %s', (_name, text, found) => {
    expect(only(validate(text).errors)).toEqual([
      error(
        `The AppSpec file must be a map with the keys version, Resources and (optionally) Hooks; found ${found}.`,
        '',
      ),
    ]);
  });

  it('rejects a create-deployment input that wraps the AppSpec', () => {
    const text =
      'applicationName: app\nrevision:\n  revisionType: AppSpecContent\n  appSpecContent:\n    content: "version: 0.0"\n';
    expect(only(validate(text).errors)).toEqual([
      error(
        'This is not an AppSpec file but a create-deployment input: the AppSpec is the text under revision.appSpecContent.content.',
        '',
      ),
    ]);
  });

  it('returns the parse errors of the source, and nothing else, when the text does not parse', () => {
    const source = parseAppSpecSource('version: 0.0\nResources: [\n');
    expect(source.errors.length).toBeGreaterThan(0);
    expect(validateLambdaAppSpec(source)).toEqual({ errors: source.errors, warnings: [] });
  });
});

describe('never throws', () => {
  it.each([
    'Resources: 5',
    'Resources: [null]',
    'Resources: [[1]]',
    'Resources: [{x: 5}]',
    'Resources: [{"": {Type: AWS::Lambda::Function, Properties: {}}}]',
    'Resources: [{x: {Type: [1], Properties: 7}}]',
    'Resources: [{x: {Type: {a: 1}, Properties: {Name: {}, Alias: [], CurrentVersion: {}, TargetVersion: .inf}}}]',
    'Resources: [{x: {Properties: {Name: 2001-01-01, Alias: !!set {a}, CurrentVersion: 1e400, TargetVersion: .nan}}}]',
    'Hooks: [1, "x", null, [], {}, {BeforeAllowTraffic: [1]}, {AfterAllowTraffic: 3}]',
    'Hooks: {BeforeAllowTraffic: null}',
    'Hooks: 7',
    '? [a, b]\n: c',
    'version: !!binary aGVsbG8=',
    '[1, 2',
    '{"version": ',
  ])('on %j', (text) => {
    const result = validateLambdaAppSpec(parseAppSpecSource(text));
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors.every((e) => e.code === INVALID_REVISION)).toBe(true);
    expect(result.appSpec).toBeUndefined();
  });
});
