import { readFileSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import pc from 'picocolors';
import {
  validateAppSpec,
  type AppSpecIssue,
  type AppSpecVerdict,
  type Platform,
} from '../../functions/domain/appspec/index.js';
import { EXIT_BAD, EXIT_OK, UsageError } from '../exit-codes.js';
import { subcommand } from '../subcommand.js';

export function registerAppSpecCommands(program: Command): void {
  const appspec = subcommand(program, 'appspec', 'Work with AppSpec files');
  subcommand(appspec, 'validate', 'Validate an AppSpec file and show what it will do')
    .argument('<file>', 'the AppSpec file (YAML or JSON)')
    .addOption(
      new Option('--platform <platform>', 'compute platform (detected when left out)').choices([
        'server',
        'lambda',
        'ecs',
      ]),
    )
    .option('--json', 'print one JSON object instead of text')
    .action((file: string, options: { platform?: Platform; json?: boolean }) => {
      const verdict = validateAppSpec(readAppSpecFile(file), { platform: options.platform });
      if (options.json) {
        const { valid, platform, errors, warnings, summary } = verdict;
        console.log(
          JSON.stringify(
            { valid, platform, errors: errors.map(issueJson), warnings: warnings.map(issueJson), summary },
            null,
            2,
          ),
        );
      } else {
        printVerdict(file, verdict);
      }
      process.exitCode = verdict.valid ? EXIT_OK : EXIT_BAD;
    });
}

export function readAppSpecFile(file: string): string {
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new UsageError(`cannot read ${file}: no such file`);
  }
  if (!isFile) throw new UsageError(`cannot read ${file}: not a file`);
  return readFileSync(file, 'utf8');
}

function issueJson(issue: AppSpecIssue) {
  return {
    code: issue.code,
    message: issue.message,
    path: issue.path,
    line: issue.line ?? null,
    column: issue.column ?? null,
  };
}

function where(issue: AppSpecIssue): string {
  const position = issue.line !== undefined ? ` (line ${issue.line}, column ${issue.column})` : '';
  return `${issue.path || '(document)'}${position}`;
}

const PLATFORM_NAMES: Record<Platform, string> = {
  server: 'Server (EC2/On-Premises)',
  lambda: 'Lambda',
  ecs: 'ECS',
};

export function printVerdict(file: string, verdict: AppSpecVerdict): void {
  const name = PLATFORM_NAMES[verdict.platform];
  if (verdict.valid) console.log(`${pc.green('✔')} ${file}: valid ${name} AppSpec`);
  else console.log(`${pc.red('✖')} ${file}: invalid ${name} AppSpec (${verdict.errors.length} error(s))`);
  for (const issue of verdict.errors)
    console.log(`  ${pc.red('error')}   ${where(issue)}: ${issue.message} [${issue.code}]`);
  for (const issue of verdict.warnings)
    console.log(`  ${pc.yellow('warning')} ${where(issue)}: ${issue.message} [${issue.code}]`);
  if (verdict.valid) printSummary(verdict);
}

function printSummary(verdict: AppSpecVerdict): void {
  const summary = verdict.summary;
  if ('files' in summary) {
    console.log(`  os: ${summary.os}; existing files: ${summary.fileExistsBehavior}`);
    if (summary.files.length === 0) console.log('  files: none');
    for (const file of summary.files) console.log(`  install ${file.source} -> ${file.destination}`);
    if (summary.permissions > 0)
      console.log(`  permissions: ${summary.permissions} entr${summary.permissions === 1 ? 'y' : 'ies'}`);
    if (summary.hooks.length === 0) console.log('  hooks: none');
    for (const hook of summary.hooks) {
      for (const script of hook.scripts) {
        const runas = script.runas ? ` as ${script.runas}` : '';
        console.log(
          `  ${hook.event.padEnd(18)} run ${script.location}${runas} (timeout ${script.timeout} s)`,
        );
      }
    }
  } else if ('resource' in summary) {
    const r = summary.resource;
    if (r.type === 'AWS::Lambda::Function') {
      console.log(
        `  shift alias ${String(r.functionName)}:${String(r.alias)} from version ${String(r.currentVersion)} to ${String(r.targetVersion)}`,
      );
    } else {
      console.log(
        `  replace the task set of ${String(r.name)} with ${String(r.taskDefinition)} (container ${String(r.containerName)}:${String(r.containerPort)})`,
      );
    }
    if (summary.hooks.length === 0) console.log('  hooks: none');
    for (const hook of summary.hooks) console.log(`  ${hook.event.padEnd(22)} invoke ${hook.functionName}`);
  }
}
