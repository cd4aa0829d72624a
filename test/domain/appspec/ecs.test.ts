import { describe, expect, it } from 'vitest';
import { validateEcsAppSpec } from '../../../functions/domain/appspec/ecs.js';
import { INVALID_REVISION, type AppSpecIssue } from '../../../functions/domain/appspec/issues.js';
import { looksLikePlaceholder } from '../../../functions/domain/appspec/resource-spec.js';
import { parseAppSpecSource } from '../../../functions/domain/appspec/source.js';

const validate = (text: string) => validateEcsAppSpec(parseAppSpecSource(text));

const ARN = 'arn:aws:ecs:us-east-1:111122223333:task-definition/web:7';
const BASE = `version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "${ARN}"
        LoadBalancerInfo:
          ContainerName: "web"
          ContainerPort: 8080
        PlatformVersion: "1.4.0"
        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: ["subnet-1234abcd", "subnet-5678abcd"]
            SecurityGroups: ["sg-12345678"]
            AssignPublicIp: "DISABLED"
        CapacityProviderStrategy:
          - Base: 1
            CapacityProvider: "FARGATE_SPOT"
            Weight: 2
          - CapacityProvider: "FARGATE"
            Weight: 1
Hooks:
  - BeforeInstall: CodeDeployHook_BeforeInstall
  - AfterInstall: CodeDeployHook_AfterInstall
  - AfterAllowTestTraffic: CodeDeployHook_AfterAllowTestTraffic
  - BeforeAllowTraffic: CodeDeployHook_BeforeAllowTraffic
  - AfterAllowTraffic: CodeDeployHook_AfterAllowTraffic
`;

const MINIMAL = `version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "${ARN}"
        LoadBalancerInfo:
          ContainerName: "web"
          ContainerPort: 8080
`;

/** `text` with `from` replaced (it must occur) by `to`. */
function edit(from: string, to: string, text = BASE): string {
  if (!text.includes(from)) throw new Error(`test bug: ${JSON.stringify(from)} not in the AppSpec`);
  return text.replace(from, to);
}

const P = 'Resources[0].TargetService.Properties';
const LB = `${P}.LoadBalancerInfo`;
const VPC = `${P}.NetworkConfiguration.AwsvpcConfiguration`;
const CPS = `${P}.CapacityProviderStrategy`;
const only = (issues: AppSpecIssue[]) => issues.map(({ code, message, path }) => ({ code, message, path }));
const error = (message: string, path: string) => ({ code: INVALID_REVISION, message, path });
const placeholder = (field: string, value: string) =>
  `${field} ${JSON.stringify(value)} looks like an unfilled template placeholder: replace it before deploying, as CodeDeploy uses the value as written.`;
const ALL_OR_NONE = 'all or none of Subnets, SecurityGroups and AssignPublicIp must be specified';

/** Expects exactly these errors and no model. */
function expectErrors(text: string, ...errors: Array<[message: string, path: string]>) {
  const result = validate(text);
  expect(only(result.errors)).toEqual(errors.map(([message, path]) => error(message, path)));
  expect(result.appSpec).toBeUndefined();
}

/** Expects no errors, a model, and exactly these warnings. */
function expectWarnings(text: string, ...warnings: Array<[code: string, message: string, path: string]>) {
  const result = validate(text);
  expect(result.errors).toEqual([]);
  expect(result.appSpec).toBeDefined();
  expect(only(result.warnings)).toEqual(warnings.map(([code, message, path]) => ({ code, message, path })));
  return result;
}

describe('validateEcsAppSpec: valid AppSpecs', () => {
  it('produces the full EcsAppSpec model', () => {
    expect(validate(BASE)).toEqual({
      errors: [],
      warnings: [],
      appSpec: {
        platform: 'ecs',
        version: 0,
        resourceName: 'TargetService',
        taskDefinition: ARN,
        containerName: 'web',
        containerPort: 8080,
        platformVersion: '1.4.0',
        networkConfiguration: {
          subnets: ['subnet-1234abcd', 'subnet-5678abcd'],
          securityGroups: ['sg-12345678'],
          assignPublicIp: 'DISABLED',
        },
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE_SPOT', base: 1, weight: 2 },
          { capacityProvider: 'FARGATE', base: 0, weight: 1 },
        ],
        hooks: [
          { event: 'BeforeInstall', functionName: 'CodeDeployHook_BeforeInstall' },
          { event: 'AfterInstall', functionName: 'CodeDeployHook_AfterInstall' },
          { event: 'AfterAllowTestTraffic', functionName: 'CodeDeployHook_AfterAllowTestTraffic' },
          { event: 'BeforeAllowTraffic', functionName: 'CodeDeployHook_BeforeAllowTraffic' },
          { event: 'AfterAllowTraffic', functionName: 'CodeDeployHook_AfterAllowTraffic' },
        ],
      },
    });
  });

  it('leaves the optional properties out of the model when the AppSpec does', () => {
    expect(validate(MINIMAL)).toStrictEqual({
      errors: [],
      warnings: [],
      appSpec: {
        platform: 'ecs',
        version: 0,
        resourceName: 'TargetService',
        taskDefinition: ARN,
        containerName: 'web',
        containerPort: 8080,
        hooks: [],
      },
    });
  });

  it.each([
    ['a custom logical name', edit('TargetService', 'myPythonApp', MINIMAL)],
    ['an unquoted ARN', edit(`"${ARN}"`, ARN, MINIMAL)],
    ['a task definition family', edit(`"${ARN}"`, 'web', MINIMAL)],
    ['a family and revision', edit(`"${ARN}"`, 'web:3', MINIMAL)],
    [
      'an ARN without revision',
      edit(`"${ARN}"`, 'arn:aws:ecs:us-east-1:111122223333:task-definition/web', MINIMAL),
    ],
    [
      'a GovCloud ARN',
      edit(`"${ARN}"`, 'arn:aws-us-gov:ecs:us-gov-west-1:111122223333:task-definition/web:1', MINIMAL),
    ],
    ['ContainerPort 65535', edit('8080', '65535', MINIMAL)],
    ['ContainerPort 1', edit('8080', '1', MINIMAL)],
    [
      'version as the string "0.0" in JSON: accepted for ECS, since the docs say "specify version with a string" (the EC2 agent alone rejects it)',
      JSON.stringify({
        version: '0.0',
        Resources: [
          {
            TargetService: {
              Type: 'AWS::ECS::Service',
              Properties: {
                TaskDefinition: 'web',
                LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 80 },
              },
            },
          },
        ],
      }),
    ],
    ['version 0', edit('version: 0.0', 'version: 0', MINIMAL)],
    [
      'an empty CapacityProviderStrategy',
      edit(
        '        LoadBalancerInfo:',
        '        CapacityProviderStrategy: []\n        LoadBalancerInfo:',
        MINIMAL,
      ),
    ],
  ])('accepts %s without warnings', (_name, text) => {
    expectWarnings(text);
  });
});

describe('version and Resources (shared with Lambda)', () => {
  it.each([
    ['1', 'version: 1', '1'],
    ['1.0', 'version: 1.0', '1.0'],
    ['0.2', 'version: 0.2', '0.2'],
  ])('rejects version %s', (_name, line, shown) => {
    expectErrors(edit('version: 0.0', line), [
      `The deployment failed because an invalid version value (${shown}) was entered in the application specification file. Make sure your AppSpec file specifies "0.0" as the version, and then try again.`,
      'version',
    ]);
  });

  it('rejects two services with the API message, naming them', () => {
    const second = '  - Other:\n      Type: AWS::ECS::Service\n      Properties: {}\n';
    expectErrors(edit('Hooks:', `${second}Hooks:`), [
      'The target list of both types of deployments must have exactly one item: Resources lists 2 resources (TargetService, Other). Only 1 ECS resource is supported in a deployment; deploy each one separately.',
      'Resources[1]',
    ]);
  });

  it.each([
    ['AWS::EKS::Service', 'Type must be AWS::ECS::Service; found the string "AWS::EKS::Service".'],
    [
      'AWS::Lambda::Function',
      `Type must be AWS::ECS::Service; found the string "AWS::Lambda::Function" (that makes this a Lambda AppSpec: check the deployment group's compute platform).`,
    ],
  ])('rejects Type %s', (type, message) => {
    expectErrors(edit('Type: AWS::ECS::Service', `Type: ${type}`), [
      message,
      'Resources[0].TargetService.Type',
    ]);
  });

  it('reports a missing Resources with the ECS example', () => {
    expectErrors('version: 0.0\n', [
      'Resources is required: a list with exactly one ECS resource, "- TargetService:" with Type: AWS::ECS::Service and Properties under it.',
      'Resources',
    ]);
  });
});

describe('TaskDefinition', () => {
  const EMPTY =
    'TaskDefinition must not be empty (ECS TaskDefinition): set it to the ARN of the task definition to deploy.';
  it.each([
    ['missing', `        TaskDefinition: "${ARN}"\n`, '', EMPTY],
    ['empty', `"${ARN}"`, '""', EMPTY],
    ['null', ` "${ARN}"`, '', EMPTY],
    ['a list', `"${ARN}"`, '[a, b]', 'TaskDefinition must be a string; found a list.'],
  ])('rejects a TaskDefinition that is %s', (_name, from, to, message) => {
    expectErrors(edit(from, to, MINIMAL), [message, `${P}.TaskDefinition`]);
  });

  it.each([
    '<TASK_DEFINITION>',
    'TASK_DEFINITION_ARN',
    'task-definition-ARN',
    'ARN',
    '${TASK_DEFINITION}',
    '&&TASK_DEF&&',
    '{{ task_definition }}',
    '[YOUR_TASK_DEFINITION_ARN]',
    'TASK_DEFINITION_ARN_PLACEHOLDER',
    'arn:aws:ecs:<region>:<account id>:task-definition/web:*',
  ])('warns PLACEHOLDER_VALUE (only) for %s', (value) => {
    expectWarnings(edit(`"${ARN}"`, JSON.stringify(value), MINIMAL), [
      'PLACEHOLDER_VALUE',
      placeholder('TaskDefinition', value),
      `${P}.TaskDefinition`,
    ]);
  });

  const use = 'use arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION.';
  it.each([
    ['arn:aws:ecs:*:*:task-definition/*', 'contains a wildcard, but a deployment needs one task definition'],
    [
      'arn:aws:ecs:us-east-2:*:task-definition/app:*',
      'contains a wildcard, but a deployment needs one task definition',
    ],
    ['arn:aws:iam::111122223333:role/deployer', 'is an ARN of service "iam", not of an ECS task definition'],
    [
      'arn:aws:ecs:us-east-1:111122223333:service/cluster/web',
      'is an ARN of another ECS resource, not of an ECS task definition',
    ],
    ['arn:aws:ecs:us-east-1:111122223333:task-definition/web:latest', 'has a revision that is not a number'],
    ['my task definition', 'is not a task definition ARN or family[:revision]'],
  ])('warns INVALID_TASK_DEFINITION for %s', (value, why) => {
    expectWarnings(edit(`"${ARN}"`, JSON.stringify(value), MINIMAL), [
      'INVALID_TASK_DEFINITION',
      `TaskDefinition ${JSON.stringify(value)} ${why}; ${use}`,
      `${P}.TaskDefinition`,
    ]);
  });

  it('reads a camelCase taskDefinition key, with a NONSTANDARD_KEY_CASE warning', () => {
    const result = expectWarnings(edit('TaskDefinition:', 'taskDefinition:', MINIMAL), [
      'NONSTANDARD_KEY_CASE',
      'Key "taskDefinition" is read as "TaskDefinition" (keys match case-insensitively); write "TaskDefinition" as documented.',
      `${P}.taskDefinition`,
    ]);
    expect(result.appSpec?.taskDefinition).toBe(ARN);
  });
});

describe('LoadBalancerInfo', () => {
  const LB_TEXT =
    '        LoadBalancerInfo:\n          ContainerName: "web"\n          ContainerPort: 8080\n';
  it.each([
    ['missing', '', 'is required'],
    ['a list', '        LoadBalancerInfo:\n          - ContainerName: web\n', 'must be a map; found a list'],
  ])('rejects a LoadBalancerInfo that is %s', (_name, replacement, what) => {
    expectErrors(edit(LB_TEXT, replacement, MINIMAL), [
      `LoadBalancerInfo ${what}: give the ContainerName and ContainerPort that receive the traffic.`,
      `${P}.LoadBalancerInfo`,
    ]);
  });

  const NAME_EMPTY =
    'ContainerName must not be empty: set it to the name of the container in the task definition that receives traffic.';
  it.each([
    ['missing', '          ContainerName: "web"\n', ''],
    ['empty', 'ContainerName: "web"', 'ContainerName: ""'],
  ])('rejects a ContainerName that is %s', (_name, from, to) => {
    expectErrors(edit(from, to, MINIMAL), [NAME_EMPTY, `${LB}.ContainerName`]);
  });

  it('warns INVALID_CONTAINER_NAME for a name ECS cannot have', () => {
    const name = 'spring-petclinic-2.6.0-SNAPSHOT.jar';
    expectWarnings(edit('"web"', `"${name}"`, MINIMAL), [
      'INVALID_CONTAINER_NAME',
      `ContainerName "${name}" is not a valid container name (up to 255 letters, numbers, hyphens and underscores); it must name a container in the task definition.`,
      `${LB}.ContainerName`,
    ]);
  });

  it('warns PLACEHOLDER_VALUE for a placeholder ContainerName', () => {
    expectWarnings(edit('"web"', '"<CONTAINER_NAME>"', MINIMAL), [
      'PLACEHOLDER_VALUE',
      placeholder('ContainerName', '<CONTAINER_NAME>'),
      `${LB}.ContainerName`,
    ]);
  });

  const range = (found: string) => `ContainerPort must be a whole number from 1 to 65535; found ${found}.`;
  it.each([
    [
      'missing',
      '          ContainerPort: 8080\n',
      '',
      'ContainerPort is required: set it to the container port (a number, e.g. 80) that receives traffic.',
    ],
    [
      'null',
      ' 8080',
      '',
      'ContainerPort is required: set it to the container port (a number, e.g. 80) that receives traffic.',
    ],
    [
      'a quoted number ("number, not string")',
      '8080',
      '"80"',
      'ContainerPort must be a number, not a string: write ContainerPort: 80 without quotes.',
    ],
    [
      'a placeholder string',
      '8080',
      '"${CONTAINER_PORT}"',
      range('the string "${CONTAINER_PORT}", which looks like an unfilled template placeholder'),
    ],
    ['a word', '8080', 'http', range('the string "http"')],
    ['negative', '8080', '-1', range('the number -1')],
    ['above 65535', '8080', '65536', range('the number 65536')],
    ['fractional', '8080', '80.5', range('the number 80.5')],
    ['a list', '8080', '[80]', range('a list')],
  ])('rejects a ContainerPort that is %s', (_name, from, to, message) => {
    expectErrors(edit(from, to, MINIMAL), [message, `${LB}.ContainerPort`]);
  });

  it('locates a quoted ContainerPort at its value', () => {
    expect(validate(edit('8080', '"80"', MINIMAL)).errors[0]).toMatchObject({ line: 9, column: 26 });
  });

  it('only warns on ContainerPort 0, as the AppSpec Assistant does', () => {
    const result = expectWarnings(edit('8080', '0', MINIMAL), [
      'CONTAINER_PORT_ZERO',
      'ContainerPort is 0. Please check this was on purpose: traffic goes to this port.',
      `${LB}.ContainerPort`,
    ]);
    expect(result.appSpec?.containerPort).toBe(0);
    expect(result.warnings[0]).toMatchObject({ line: 9, column: 26 });
  });

  it('warns UNKNOWN_KEY for HostPort', () => {
    expectWarnings(edit('ContainerPort: 8080', 'ContainerPort: 8080\n          HostPort: 80', MINIMAL), [
      'UNKNOWN_KEY',
      'Unknown key "HostPort" in LoadBalancerInfo is ignored; known keys: ContainerName, ContainerPort.',
      `${LB}.HostPort`,
    ]);
  });
});

describe('PlatformVersion', () => {
  it('treats null as absent, with a NULL_VALUE warning', () => {
    const result = expectWarnings(edit('PlatformVersion: "1.4.0"', 'PlatformVersion: null'), [
      'NULL_VALUE',
      'PlatformVersion is empty (null) and is ignored; remove it or give it a value.',
      `${P}.PlatformVersion`,
    ]);
    expect(result.appSpec).not.toHaveProperty('platformVersion');
  });

  it.each([
    ['empty', '""', 'PlatformVersion must not be empty: remove it to use LATEST, or set a platform version.'],
    ['a list', '[LATEST]', 'PlatformVersion must be a string; found a list.'],
  ])('rejects a PlatformVersion that is %s', (_name, value, message) => {
    expectErrors(edit('"1.4.0"', value), [message, `${P}.PlatformVersion`]);
  });

  it('accepts LATEST', () => {
    expect(expectWarnings(edit('"1.4.0"', 'LATEST')).appSpec?.platformVersion).toBe('LATEST');
  });
});

describe('NetworkConfiguration', () => {
  const NETWORK = `        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: ["subnet-1234abcd", "subnet-5678abcd"]
            SecurityGroups: ["sg-12345678"]
            AssignPublicIp: "DISABLED"
`;
  const withNetwork = (replacement: string) => edit(NETWORK, replacement);

  it('treats null as absent, with a NULL_VALUE warning', () => {
    const result = expectWarnings(withNetwork('        NetworkConfiguration:\n'), [
      'NULL_VALUE',
      'NetworkConfiguration is empty (null) and is ignored; remove it or give it a value.',
      `${P}.NetworkConfiguration`,
    ]);
    expect(result.appSpec).not.toHaveProperty('networkConfiguration');
  });

  it.each([
    [
      'a list',
      '        NetworkConfiguration: [a]\n',
      'NetworkConfiguration must be a map; found a list.',
      `${P}.NetworkConfiguration`,
    ],
    [
      'an empty map',
      '        NetworkConfiguration: {}\n',
      `AwsvpcConfiguration is required: ${ALL_OR_NONE} (remove NetworkConfiguration to keep the service's settings).`,
      `${P}.NetworkConfiguration.AwsvpcConfiguration`,
    ],
    [
      'an empty AwsvpcConfiguration',
      '        NetworkConfiguration:\n          AwsvpcConfiguration: {}\n',
      `AwsvpcConfiguration is empty: ${ALL_OR_NONE} (remove NetworkConfiguration to keep the service's settings).`,
      VPC,
    ],
  ])('rejects a NetworkConfiguration that is %s', (_name, replacement, message, path) => {
    expectErrors(withNetwork(replacement), [message, path]);
  });

  it.each([
    [
      'SecurityGroups missing',
      '            SecurityGroups: ["sg-12345678"]\n',
      '',
      `SecurityGroups is required: ${ALL_OR_NONE}.`,
      `${VPC}.SecurityGroups`,
    ],
    [
      'AssignPublicIp missing',
      '            AssignPublicIp: "DISABLED"\n',
      '',
      `AssignPublicIp is required: ${ALL_OR_NONE}.`,
      `${VPC}.AssignPublicIp`,
    ],
    [
      'AssignPublicIp lowercase',
      '"DISABLED"',
      'disabled',
      'AssignPublicIp invalid (should be ENABLED or DISABLED); found the string "disabled".',
      `${VPC}.AssignPublicIp`,
    ],
    [
      'AssignPublicIp the docs placeholder',
      '"DISABLED"',
      '"ENABLED-or-DISABLED"',
      'AssignPublicIp invalid (should be ENABLED or DISABLED); found the string "ENABLED-or-DISABLED".',
      `${VPC}.AssignPublicIp`,
    ],
    [
      'Subnets a string',
      '["subnet-1234abcd", "subnet-5678abcd"]',
      'subnet-1234abcd',
      'Subnets must be a non-empty list of IDs, e.g. ["subnet-0abc"]; found the string "subnet-1234abcd".',
      `${VPC}.Subnets`,
    ],
    [
      'SecurityGroups empty',
      '["sg-12345678"]',
      '[]',
      'SecurityGroups must be a non-empty list of IDs, e.g. ["sg-0abc"]; found an empty list.',
      `${VPC}.SecurityGroups`,
    ],
    [
      'an empty subnet ID',
      '["subnet-1234abcd", "subnet-5678abcd"]',
      '["subnet-1234abcd", ""]',
      'Subnets cannot be empty strings; found an empty string.',
      `${VPC}.Subnets[1]`,
    ],
  ])('rejects %s', (_name, from, to, message, path) => {
    expectErrors(edit(from, to), [message, path]);
  });

  it('warns PLACEHOLDER_VALUE for a placeholder subnet, naming the list item', () => {
    expectWarnings(edit('"subnet-5678abcd"', '"<SUBNET_2>"'), [
      'PLACEHOLDER_VALUE',
      placeholder('Subnets[1]', '<SUBNET_2>'),
      `${VPC}.Subnets[1]`,
    ]);
  });

  it('warns UNKNOWN_KEY for an unknown awsvpc setting', () => {
    expectWarnings(
      edit('AssignPublicIp: "DISABLED"', 'AssignPublicIp: "DISABLED"\n            VpcId: vpc-1'),
      [
        'UNKNOWN_KEY',
        'Unknown key "VpcId" in AwsvpcConfiguration is ignored; known keys: Subnets, SecurityGroups, AssignPublicIp.',
        `${VPC}.VpcId`,
      ],
    );
  });
});

describe('CapacityProviderStrategy', () => {
  const STRATEGY = `        CapacityProviderStrategy:
          - Base: 1
            CapacityProvider: "FARGATE_SPOT"
            Weight: 2
          - CapacityProvider: "FARGATE"
            Weight: 1
`;
  const withStrategy = (items: string) => edit(STRATEGY, `        CapacityProviderStrategy:\n${items}`);

  it('treats null as absent, with a NULL_VALUE warning', () => {
    const result = expectWarnings(withStrategy(''), [
      'NULL_VALUE',
      'CapacityProviderStrategy is empty (null) and is ignored; remove it or give it a value.',
      CPS,
    ]);
    expect(result.appSpec).not.toHaveProperty('capacityProviderStrategy');
  });

  it('accepts one provider with weight 0', () => {
    expect(
      expectWarnings(withStrategy('          - CapacityProvider: FARGATE\n')).appSpec
        ?.capacityProviderStrategy,
    ).toEqual([{ capacityProvider: 'FARGATE', base: 0, weight: 0 }]);
  });

  it.each([
    [
      'a map',
      edit(STRATEGY, '        CapacityProviderStrategy:\n          CapacityProvider: FARGATE\n'),
      'CapacityProviderStrategy must be a list; found a map.',
      CPS,
    ],
    [
      'an item that is a string',
      withStrategy('          - FARGATE\n'),
      'Each capacity provider must be a map with CapacityProvider, Base and Weight; found the string "FARGATE".',
      `${CPS}[0]`,
    ],
    [
      'a provider without a name',
      withStrategy('          - Weight: 1\n'),
      'CapacityProvider must not be empty: give the short name of a capacity provider, e.g. FARGATE.',
      `${CPS}[0].CapacityProvider`,
    ],
    [
      'a Base that is the docs placeholder "Integer"',
      withStrategy('          - CapacityProvider: A\n            Base: Integer\n            Weight: 1\n'),
      'Base must be a whole number, 0 or more; found the string "Integer".',
      `${CPS}[0].Base`,
    ],
    [
      'a negative Weight',
      withStrategy('          - CapacityProvider: A\n            Weight: -1\n'),
      'Weight must be a whole number, 0 or more; found the number -1.',
      `${CPS}[0].Weight`,
    ],
    [
      'two providers with a Base',
      withStrategy(
        '          - CapacityProvider: A\n            Base: 1\n            Weight: 1\n          - CapacityProvider: B\n            Base: 2\n',
      ),
      'Only one capacity provider may set a Base greater than 0; CapacityProviderStrategy[0] already does.',
      `${CPS}[1].Base`,
    ],
    [
      'several providers with no weight',
      withStrategy(
        '          - CapacityProvider: A\n            Base: 1\n          - CapacityProvider: B\n            Weight: 0\n',
      ),
      'With several capacity providers, at least one must have a Weight greater than 0.',
      CPS,
    ],
  ])('rejects a strategy with %s', (_name, text, message, path) => {
    expectErrors(text, [message, path]);
  });
});

describe('Hooks', () => {
  const HOOKS_START = 'Hooks:\n  - BeforeInstall: CodeDeployHook_BeforeInstall\n';
  it.each([
    [
      'an EC2-only event',
      `${HOOKS_START}  - ApplicationStart: x\n`,
      'The hooks must be one of the ECS supported hooks: BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic; found "ApplicationStart".',
      'Hooks[1].ApplicationStart',
    ],
    [
      'EC2-style scripts',
      'Hooks:\n  - BeforeInstall:\n      - location: scripts/before_install.sh\n        timeout: 180\n        runas: root\n',
      'BeforeInstall must be the name of a Lambda function: ECS hooks are Lambda function names that CodeDeploy invokes, not EC2-style scripts with location, timeout and runas.',
      'Hooks[0].BeforeInstall',
    ],
    [
      'a repeated event',
      `${HOOKS_START}  - BeforeInstall: again\n`,
      'BeforeInstall is listed twice (also Hooks[0]); each hook runs once per deployment, so list it once.',
      'Hooks[1].BeforeInstall',
    ],
  ])('rejects %s', (_name, hooks, message, path) => {
    expectErrors(edit(HOOKS_START, hooks), [message, path]);
  });

  it('warns HOOK_NOT_A_FUNCTION_NAME for a shell script path', () => {
    expectWarnings(edit('CodeDeployHook_AfterInstall', '"scripts/after_install.sh"'), [
      'HOOK_NOT_A_FUNCTION_NAME',
      'AfterInstall "scripts/after_install.sh" looks like a script path, not a Lambda function name: ECS hooks are Lambda function names that CodeDeploy invokes, not EC2-style scripts with location, timeout and runas.',
      'Hooks[1].AfterInstall',
    ]);
  });
});

describe('unknown keys', () => {
  it.each([
    [
      'an EC2 files section',
      edit('Resources:', 'files:\n  - source: /\n    destination: /code\nResources:', MINIMAL),
      'Unknown key "files" at the top level is ignored; files is an EC2/On-Premises AppSpec section.',
      'files',
    ],
    [
      'an extra property',
      edit('        LoadBalancerInfo:', '        ClusterName: main\n        LoadBalancerInfo:', MINIMAL),
      'Unknown key "ClusterName" in Properties is ignored; known keys: TaskDefinition, LoadBalancerInfo, PlatformVersion, NetworkConfiguration, CapacityProviderStrategy.',
      `${P}.ClusterName`,
    ],
    [
      'an unknown capacity provider setting',
      edit('            Weight: 1\n', '            Weight: 1\n            Priority: 1\n'),
      'Unknown key "Priority" in a capacity provider is ignored; known keys: CapacityProvider, Base, Weight.',
      `${CPS}[1].Priority`,
    ],
  ])('warns UNKNOWN_KEY for %s', (_name, text, message, path) => {
    expectWarnings(text, ['UNKNOWN_KEY', message, path]);
  });
});

describe('looksLikePlaceholder', () => {
  it.each([
    '<TASK_DEFINITION>',
    'arn:aws:ecs:<region>:<account id>:task-definition/app:*',
    '${CONTAINER_NAME}',
    '{{LAMBDA_ALIAS}}',
    '{{ function_name }}',
    '&&TASK_DEF&&',
    '%currentVer%',
    '[YOUR_TASK_DEFINITION_ARN]',
    'TASK_DEFINITION_ARN',
    'CONTAINER_NAME',
    'TASK_DEFINITION_ARN_PLACEHOLDER',
    'task-definition-ARN',
    'ARN',
    'YOUR_Subnet',
    'your-lambda-function-name',
  ])('is true for %j', (value) => {
    expect(looksLikePlaceholder(value)).toBe(true);
  });

  it.each([
    'arn:aws:ecs:us-east-1:111122223333:task-definition/web:7',
    'arn:aws:ecs:us-east-1:111122223333:task-definition/ENV-SERVICE',
    'web',
    'FARGATE',
    'LATEST',
    'CodeDeployHook_pre',
    'subnet-0befb367f6c2ae83e',
    'sg-070cc1446a58d7002',
    'my-function',
    'prod',
    'learn-app',
  ])('is false for %j', (value) => {
    expect(looksLikePlaceholder(value)).toBe(false);
  });
});

describe('never throws', () => {
  it.each([
    'version: 0.0\nResources: [{TargetService: {Type: AWS::ECS::Service, Properties: {TaskDefinition: {}, LoadBalancerInfo: 5}}}]',
    'version: 0.0\nResources: [{T: {Type: AWS::ECS::Service, Properties: {LoadBalancerInfo: {ContainerName: [], ContainerPort: {}}}}}]',
    'version: 0.0\nResources: [{T: {Properties: {NetworkConfiguration: {AwsvpcConfiguration: {Subnets: [1, null, []], SecurityGroups: {}, AssignPublicIp: []}}}}}]',
    'version: 0.0\nResources: [{T: {Properties: {NetworkConfiguration: {AwsvpcConfiguration: 5}}}}]',
    'version: 0.0\nResources: [{T: {Properties: {CapacityProviderStrategy: [null, 1, [], {CapacityProvider: {}, Base: .inf, Weight: .nan}]}}}]',
    'version: 0.0\nResources: [{T: {Properties: {PlatformVersion: {}, TaskDefinition: 2001-01-01}}}]',
    'version: 0.0\nResources: [{T: {Properties: {TaskDefinition: 12, LoadBalancerInfo: {ContainerName: 7, ContainerPort: 1e400}}}}]',
    '{"version": 0.0, "Resources": [{"T": null}]}',
    '{"ImageURI": Test }EOF',
  ])('on %j', (text) => {
    const result = validateEcsAppSpec(parseAppSpecSource(text));
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors.every((e) => e.code === INVALID_REVISION)).toBe(true);
    expect(result.appSpec).toBeUndefined();
  });
});
