/**
 * The real-world Lambda and ECS AppSpec files of the shared corpus (read in place, never copied):
 * every one validates without throwing, and each `suspect:` note's problem is reported, as an error
 * where CodeDeploy rejects the revision and as a warning where it ignores the problem or cannot know.
 */
import { expect, it } from 'vitest';
import { validateEcsAppSpec } from '../../../functions/domain/appspec/ecs.js';
import { INVALID_REVISION, type AppSpecIssue } from '../../../functions/domain/appspec/issues.js';
import { validateLambdaAppSpec } from '../../../functions/domain/appspec/lambda.js';
import { parseAppSpecSource } from '../../../functions/domain/appspec/source.js';
import {
  corpusAvailable,
  corpusMissingNotice,
  describeCorpus,
  manifestRows,
  readCorpusFile,
} from './corpus.js';

interface Row {
  file: string;
  platform: 'lambda' | 'ecs';
  notes: string;
}

const rows: Row[] = manifestRows()
  .filter((cells) => cells[4] === 'lambda' || cells[4] === 'ecs')
  .map(([file = '', , , , platform, notes = '']) => ({ file, platform: platform as Row['platform'], notes }));

function check(row: Row) {
  const source = parseAppSpecSource(readCorpusFile(row.file));
  return row.platform === 'lambda' ? validateLambdaAppSpec(source) : validateEcsAppSpec(source);
}

/** The files that validate (possibly with warnings); every other Lambda/ECS file has errors. */
const VALID = new Set([
  'ecs/003-placeholder-platformversion.yml',
  'lambda/015-quoted-versions-4space-nohooks.yml',
  'lambda/020-crlf-fnname-key-nohooks.yml',
  'lambda/021-hardcoded-hooks.yml',
  'lambda/027-cdk-generated-name.yml',
  'lambda/028-alias-after-versions.yml',
  'lambda/030-resource-named-targetservice.yml',
  'lambda/037-json-version-number.json',
  'lambda/038-json-tabs-mixed-indent.json',
  'ecs/039-commented-hooks-real-arn.yml',
  'ecs/040-real-arn-minimal.yml',
  'ecs/041-unquoted-placeholder-testdata.yaml',
  'ecs/049-hooks-shell-scripts.yml',
  'lambda/050-docs-example-hooks.yaml',
  'ecs/051-column0-comments-in-mapping.yaml',
  'ecs/053-json-real-arn.json',
  'ecs/055-json-inline-object.json',
  'lambda/056-json-resource-key-fnname.json',
  'ecs/058-json-all-hooks.json',
  'lambda/059-uppercase-ext-crlf.yaml',
  'lambda/060-json-crlf-version-int0.json',
  'ecs/064-json-version-int0.json',
  'ecs/065-crlf-1space-family-name.yaml',
  'ecs/070-custom-resource-key.yaml',
  'ecs/071-single-quoted.yaml',
  'ecs/078-networkconfig-overindent-brackets.yaml',
  'ecs/079-header-comment-block.yaml',
  'ecs/084-lowercase-taskdefinition-key.yml',
  'ecs/085-networkconfig-all-hooks-placeholders.yml',
  'ecs/127-json-in-yml.yml',
  'ecs/128-json-tabs-files-section.json',
  'ecs/142-json-quoted-version-string.json',
  'ecs/144-json-iam-role-as-taskdef.json',
  'ecs/145-json-tab-indent.json',
]);

/** One problem that must be reported: `message` is a fragment; `path` is exact when given. */
interface Expected {
  severity: 'error' | 'warning';
  /** The warning code (errors are always INVALID_REVISION). */
  code?: string;
  path?: string;
  message: string;
}

const P = 'Resources[0].TargetService.Properties';
const noVersion: Expected = { severity: 'error', path: 'version', message: 'no version value was entered' };
const badVersion = (shown: string): Expected => ({
  severity: 'error',
  path: 'version',
  message: `invalid version value (${shown})`,
});
const placeholderIn = (path: string): Expected => ({
  severity: 'warning',
  code: 'PLACEHOLDER_VALUE',
  path,
  message: 'looks like an unfilled template placeholder',
});
const notYaml: Expected = { severity: 'error', path: '', message: 'The AppSpec file is not valid YAML' };
const notJson: Expected = { severity: 'error', path: '', message: 'The AppSpec file is not valid JSON' };

/** For every `suspect:` file: the problems its note names. */
const SUSPECTS: Record<string, Expected[]> = {
  'lambda/023-lowercase-keys-doc-template.yml': [
    noVersion,
    // The lowercase keys are NOT a problem: the docs' resources page writes them so and reference §1.3
    // recommends case-insensitive keys. The descriptive doc values in the version fields are.
    {
      severity: 'error',
      path: 'resources[0].name-of-function-to-deploy.properties.currentversion',
      message: 'must be a valid positive integer',
    },
  ],
  'ecs/024-doc-template-no-version.yml': [
    noVersion,
    { severity: 'error', path: `${P}.LoadBalancerInfo.ContainerPort`, message: 'must be a whole number' },
    {
      severity: 'error',
      path: `${P}.CapacityProviderStrategy[0].Base`,
      message: 'Base must be a whole number, 0 or more; found the string "Integer"',
    },
    {
      severity: 'error',
      path: `${P}.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp`,
      message: 'ENABLED or DISABLED',
    },
  ],
  'lambda/026-lowercase-unquoted-int-versions.yml': [noVersion],
  'lambda/029-cfn-ref-tags.yml': [
    // `!Ref X` reaches us as the text "X" (the tag is CloudFormation's, not YAML's): not a version
    // number, so that is what is reported, rather than the two equal values.
    {
      severity: 'error',
      path: 'Resources[0].podinfo-lambda.Properties.CurrentVersion',
      message: 'must be a valid positive integer',
    },
    {
      severity: 'error',
      path: 'Resources[0].podinfo-lambda.Properties.TargetVersion',
      message: 'found the string "LambdaVersionToBeDeployed"',
    },
  ],
  'lambda/032-empty-strings.yml': [
    // "Filled at deploy time" or not, CodeDeploy reads the file as it is: empty required properties are errors.
    {
      severity: 'error',
      path: 'Resources[0].LambdaFunction.Properties.Name',
      message: 'Name must not be empty',
    },
    {
      severity: 'error',
      path: 'Resources[0].LambdaFunction.Properties.Alias',
      message: 'Alias must not be empty',
    },
    {
      severity: 'error',
      path: 'Resources[0].LambdaFunction.Properties.CurrentVersion',
      message: 'CurrentVersion must not be empty',
    },
    {
      severity: 'error',
      path: 'Resources[0].LambdaFunction.Properties.TargetVersion',
      message: 'TargetVersion must not be empty',
    },
  ],
  'ecs/033-empty-strings-port0.yml': [
    { severity: 'error', path: `${P}.TaskDefinition`, message: 'TaskDefinition must not be empty' },
    {
      severity: 'error',
      path: `${P}.LoadBalancerInfo.ContainerName`,
      message: 'ContainerName must not be empty',
    },
    // The AppSpec Assistant only warns on ContainerPort 0 (reference §1.4).
    {
      severity: 'warning',
      code: 'CONTAINER_PORT_ZERO',
      path: `${P}.LoadBalancerInfo.ContainerPort`,
      message: 'ContainerPort is 0',
    },
  ],
  'lambda/036-json-terraform-directives.json': [notJson],
  'lambda/043-missing-space-bad-indent.yaml': [notYaml],
  'lambda/044-same-versions-inline-comments.yaml': [
    {
      severity: 'error',
      path: 'Resources[0].kmuellercounseling-mail.Properties.TargetVersion',
      message: 'CurrentVersion and TargetVersion are both "1": there is no traffic to shift',
    },
  ],
  'ecs/045-eks-type-ec2-style-hooks.yaml': [
    { severity: 'error', path: 'Resources[0].TargetService.Type', message: 'Type must be AWS::ECS::Service' },
    {
      severity: 'warning',
      code: 'UNKNOWN_KEY',
      path: `${P}.ServiceName`,
      message: 'Unknown key "ServiceName"',
    },
    {
      severity: 'warning',
      code: 'UNKNOWN_KEY',
      path: `${P}.ClusterName`,
      message: 'Unknown key "ClusterName"',
    },
    {
      severity: 'error',
      path: 'Hooks[0].BeforeInstall',
      message: 'not EC2-style scripts with location, timeout and runas',
    },
    { severity: 'error', path: `${P}.TaskDefinition`, message: 'TaskDefinition must not be empty' },
  ],
  'lambda/046-no-versions-ec2-style-hooks.yaml': [
    {
      severity: 'error',
      path: 'Resources[0].myLambdaFunction.Properties.CurrentVersion',
      message: 'CurrentVersion must not be empty',
    },
    {
      severity: 'error',
      path: 'Resources[0].myLambdaFunction.Properties.TargetVersion',
      message: 'TargetVersion must not be empty',
    },
    { severity: 'error', path: 'Hooks', message: 'not EC2-style scripts with location, timeout and runas' },
  ],
  'ecs/047-version-1.yaml': [badVersion('1'), placeholderIn(`${P}.TaskDefinition`)],
  'ecs/049-hooks-shell-scripts.yml': [
    {
      severity: 'warning',
      code: 'HOOK_NOT_A_FUNCTION_NAME',
      path: 'Hooks[0].BeforeInstall',
      message: 'looks like a script path',
    },
    {
      severity: 'warning',
      code: 'HOOK_NOT_A_FUNCTION_NAME',
      path: 'Hooks[4].AfterAllowTraffic',
      message: 'looks like a script path',
    },
    placeholderIn(`${P}.TaskDefinition`),
  ],
  'ecs/052-json-no-version-string-port.json': [
    noVersion,
    {
      severity: 'error',
      path: `${P}.LoadBalancerInfo.ContainerPort`,
      message: 'found the string "<CONTAINER_PORT>"',
    },
    placeholderIn(`${P}.TaskDefinition`),
  ],
  'ecs/054-json-version-0.2.json': [badVersion('0.2'), placeholderIn(`${P}.TaskDefinition`)],
  // Its note also calls ENV-SERVICE (in the ARN) a placeholder: nothing tells it from a real family name,
  // so no warning is asserted for it.
  'ecs/057-json-crlf-version1-null-platform.json': [
    badVersion('1'),
    {
      severity: 'warning',
      code: 'NULL_VALUE',
      path: `${P}.PlatformVersion`,
      message: 'PlatformVersion is empty (null)',
    },
  ],
  // Sorted keys, a lone '-' and trailing spaces are all valid YAML; version 1 is the problem.
  'ecs/061-sorted-keys-dash-newline.yaml': [badVersion('1')],
  'ecs/062-not-json-garbage.json': [notJson],
  'ecs/063-json-version1-odd-indent.json': [badVersion('1'), placeholderIn(`${P}.TaskDefinition`)],
  'ecs/068-version1-unquoted-arn.yaml': [badVersion('1')],
  'ecs/069-version-1.0-latest-revision.yaml': [
    badVersion('1.0'),
    {
      severity: 'error',
      path: `${P}.LoadBalancerInfo.ContainerPort`,
      message: 'must be a number, not a string',
    },
    {
      severity: 'warning',
      code: 'INVALID_TASK_DEFINITION',
      path: `${P}.TaskDefinition`,
      message: 'has a revision that is not a number',
    },
  ],
  'ecs/073-tpl-networkconfig-interpolated.yaml': [notYaml],
  'ecs/074-json-tpl-unquoted-port-directives.json': [notJson],
  'ecs/075-no-version-real-project.yaml': [noVersion, placeholderIn(`${P}.TaskDefinition`)],
  'ecs/076-multi-service-networkconfig-capacity.yml': [
    {
      severity: 'error',
      path: 'Resources[1]',
      message:
        'The target list of both types of deployments must have exactly one item: Resources lists 3 resources',
    },
  ],
  'ecs/077-create-deployment-wrapper.yaml': [
    { severity: 'error', path: '', message: 'This is not an AppSpec file but a create-deployment input' },
  ],
  'ecs/084-lowercase-taskdefinition-key.yml': [
    // Reference §1.3 recommends case-insensitive keys (the service appears to accept both casings), so
    // `taskDefinition` is read, not rejected: a warning to write the documented spelling.
    {
      severity: 'warning',
      code: 'NONSTANDARD_KEY_CASE',
      path: `${P}.taskDefinition`,
      message: 'write "TaskDefinition"',
    },
    {
      severity: 'warning',
      code: 'INVALID_TASK_DEFINITION',
      path: `${P}.taskDefinition`,
      message: 'contains a wildcard',
    },
  ],
  'ecs/128-json-tabs-files-section.json': [
    {
      severity: 'warning',
      code: 'UNKNOWN_KEY',
      path: 'files',
      message: 'files is an EC2/On-Premises AppSpec section',
    },
  ],
  'lambda/129-invalid-yaml-missing-colon.yml': [notYaml],
  'lambda/137-template-comments-no-alias.yml': [
    {
      severity: 'error',
      path: 'Resources[0].MyFunction.Properties.Alias',
      message: 'Alias must not be empty',
    },
    {
      severity: 'error',
      path: 'Resources[0].MyFunction.Properties.CurrentVersion',
      message:
        'must be a valid positive integer (the version the alias points to now, e.g. "1"); found the string "0.1"',
    },
  ],
  'ecs/138-version-1.0-hostport-commented-json.yml': [
    badVersion('1.0'),
    {
      severity: 'warning',
      code: 'UNKNOWN_KEY',
      path: `${P}.LoadBalancerInfo.HostPort`,
      message: 'Unknown key "HostPort"',
    },
  ],
  'ecs/143-json-capacity-provider.json': [badVersion('1')],
  'ecs/144-json-iam-role-as-taskdef.json': [
    // CodeDeploy only finds out when it asks ECS for the task definition: warnings, not errors.
    {
      severity: 'warning',
      code: 'INVALID_TASK_DEFINITION',
      path: `${P}.TaskDefinition`,
      message: 'is an ARN of service "iam"',
    },
    {
      severity: 'warning',
      code: 'INVALID_CONTAINER_NAME',
      path: `${P}.LoadBalancerInfo.ContainerName`,
      message: 'is not a valid container name',
    },
  ],
};

/**
 * Suspect notes the reference overrides: the file is valid and the noted problem is deliberately not
 * reported.
 */
const ACCEPTED_BY_REFERENCE: Record<string, string> = {
  'ecs/142-json-quoted-version-string.json':
    'The EC2 agent rejects version "0.0" (reference §1.1), but Lambda/ECS AppSpecs never reach an agent and the docs say to "specify version with a string"; JSON users quote it, so the string "0.0" is accepted.',
};

if (!corpusAvailable) corpusMissingNotice('Lambda and ECS AppSpec');

describeCorpus('the Lambda and ECS corpus', () => {
  it('has the Lambda and ECS files of the manifest', () => {
    expect(rows.length).toBe(70);
    expect(rows.filter((row) => row.platform === 'lambda').length).toBe(27);
  });

  it.each(rows.map((row) => [row.file, row] as const))(
    '%s validates without throwing, errors are INVALID_REVISION, and it is valid exactly when listed',
    (file, row) => {
      const result = check(row);
      expect(result.errors.every((issue) => issue.code === INVALID_REVISION)).toBe(true);
      expect(
        result.warnings.every(
          (issue) => /^[A-Z][A-Z_]+$/.test(issue.code) && issue.code !== INVALID_REVISION,
        ),
      ).toBe(true);
      expect(result.appSpec !== undefined).toBe(VALID.has(file));
      expect(result.errors.length === 0).toBe(VALID.has(file));
    },
  );

  it('has an expectation for every suspect file, and none for other files', () => {
    const suspects = rows.filter((row) => row.notes.startsWith('suspect:')).map((row) => row.file);
    expect([...Object.keys(SUSPECTS), ...Object.keys(ACCEPTED_BY_REFERENCE)].sort()).toEqual(suspects.sort());
  });
});

describeCorpus('suspect files: the named problem is reported', () => {
  const cases = Object.entries(SUSPECTS).flatMap(([file, expected]) =>
    expected.map(
      (problem) => [file, `${problem.severity} ${problem.path ?? ''}: ${problem.message}`, problem] as const,
    ),
  );

  it.each(cases)('%s: %s', (file, _title, problem) => {
    const row = rows.find((r) => r.file === file);
    expect(row).toBeDefined();
    if (!row) return;
    const result = check(row);
    const issues: AppSpecIssue[] = problem.severity === 'error' ? result.errors : result.warnings;
    const matching = issues.filter(
      (issue) =>
        issue.message.includes(problem.message) &&
        (problem.path === undefined || issue.path === problem.path) &&
        (problem.code === undefined || issue.code === problem.code),
    );
    expect(matching, JSON.stringify(issues, null, 2)).not.toEqual([]);
    if (problem.severity === 'error') expect(result.appSpec).toBeUndefined();
  });

  it.each(Object.entries(ACCEPTED_BY_REFERENCE))('%s is valid: %s', (file) => {
    const row = rows.find((r) => r.file === file);
    expect(row).toBeDefined();
    if (!row) return;
    const result = check(row);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.appSpec?.version).toBe(0);
  });
});
