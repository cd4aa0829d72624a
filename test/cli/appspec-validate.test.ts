import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'stepdeploy-cli-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('stepdeploy appspec validate', () => {
  it('prints the JSON verdict of a valid Lambda AppSpec and exits 0', () => {
    const result = runCli(['appspec', 'validate', 'examples/lambda/appspec.yml', '--json']);
    expect(result.code).toBe(0);
    const verdict = JSON.parse(result.stdout);
    expect(verdict).toMatchObject({ valid: true, platform: 'lambda', errors: [], warnings: [] });
    expect(verdict.summary.resource).toMatchObject({
      functionName: 'my-function',
      alias: 'live',
      currentVersion: '1',
      targetVersion: '2',
    });
    expect(verdict.summary.hooks.map((h: { event: string }) => h.event)).toEqual([
      'BeforeAllowTraffic',
      'AfterAllowTraffic',
    ]);
  });

  it('reports every error with its path and line, and exits 1', () => {
    const path = file(
      'bad.yml',
      'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 0\n',
    );
    const result = runCli(['appspec', 'validate', path, '--json']);
    expect(result.code).toBe(1);
    const verdict = JSON.parse(result.stdout);
    expect(verdict.valid).toBe(false);
    expect(verdict.platform).toBe('server');
    expect(verdict.errors).toEqual([
      {
        code: 'INVALID_REVISION',
        message:
          'The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.',
        path: 'hooks.AfterInstall[0].timeout',
        line: 6,
        column: 16,
      },
    ]);
  });

  it('prints errors as text with the field path and line', () => {
    const path = file('quoted-version.yml', 'version: "0.0"\nos: linux\n');
    const result = runCli(['appspec', 'validate', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'version (line 1, column 10): The deployment failed because an invalid version value (0.0)',
    );
  });

  it('honours --platform over detection', () => {
    const result = runCli([
      'appspec',
      'validate',
      'examples/lambda/appspec.yml',
      '--platform',
      'server',
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).platform).toBe('server');
  });

  it.each([
    [['appspec', 'validate'], 'missing required argument'],
    [
      ['appspec', 'validate', 'examples/lambda/appspec.yml', '--platform', 'windows'],
      'Allowed choices are server, lambda, ecs',
    ],
    [['appspec', 'validate', join(dir, 'no-such-file.yml')], 'no such file'],
  ])('exits 2 on a usage error: %j', (args, message) => {
    const result = runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('stepdeploy config show', () => {
  it('shows a canary config as traffic steps with times', () => {
    const result = runCli(['config', 'show', 'CodeDeployDefault.LambdaCanary10Percent5Minutes', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).plan).toEqual([
      { atSeconds: 0, weightPercent: 10, bakeSeconds: 300 },
      { atSeconds: 300, weightPercent: 100, bakeSeconds: 0 },
    ]);
  });

  it('shows HalfAtATime as batches of at most half (rounded down) for 9 instances', () => {
    const result = runCli(['config', 'show', 'CodeDeployDefault.HalfAtATime', '--instances', '9', '--json']);
    expect(result.code).toBe(0);
    const sizes = JSON.parse(result.stdout).plan.map((row: { instances: string[] }) => row.instances.length);
    expect(sizes).toEqual([4, 4, 1]);
  });

  it('rejects an unknown config name with exit 2 and lists the predefined ones', () => {
    const result = runCli(['config', 'show', 'CodeDeployDefault.LambdaLinear10PercentEvery1Minutes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CodeDeployDefault.LambdaLinear10PercentEvery1Minute,');
  });
});
