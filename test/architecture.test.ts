import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of DESIGN.md: domain <- ports <- steps <- adapters <- handlers, local engine, api <- cli.
 * `infra` reads state machines and handler entry files, never the domain. Only the AWS adapters talk to AWS.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type Layer =
  | 'domain'
  | 'ports'
  | 'steps'
  | 'adapters/aws'
  | 'adapters/bundle'
  | 'adapters/local'
  | 'handlers'
  | 'api'
  | 'runtime'
  | 'local'
  | 'cli'
  | 'infra'
  | 'scripts'
  | 'examples';

const LAYER_DIRS: Array<[string, Layer]> = [
  ['functions/domain', 'domain'],
  ['functions/ports', 'ports'],
  ['functions/steps', 'steps'],
  ['functions/adapters/aws', 'adapters/aws'],
  ['functions/adapters/bundle', 'adapters/bundle'],
  ['functions/adapters/local', 'adapters/local'],
  ['functions/handlers', 'handlers'],
  ['functions/api', 'api'],
  ['functions/runtime', 'runtime'],
  ['local', 'local'],
  ['cli', 'cli'],
  ['infra', 'infra'],
  ['scripts', 'scripts'],
  ['examples', 'examples'],
];

/** Which layers each layer may import from (its own layer is always allowed). */
const ALLOWED: Record<Layer, Layer[]> = {
  domain: [],
  ports: ['domain'],
  steps: ['domain', 'ports'],
  'adapters/aws': ['domain', 'ports', 'adapters/bundle'],
  'adapters/bundle': ['domain', 'ports'],
  'adapters/local': ['domain', 'ports', 'adapters/bundle'],
  runtime: ['domain', 'ports'],
  handlers: [
    'domain',
    'ports',
    'steps',
    'adapters/aws',
    'adapters/bundle',
    'adapters/local',
    'runtime',
    'api',
  ],
  api: ['domain', 'ports', 'steps', 'runtime'],
  local: ['domain', 'ports', 'steps', 'adapters/aws', 'adapters/bundle', 'adapters/local', 'api', 'runtime'],
  cli: [
    'domain',
    'ports',
    'steps',
    'adapters/aws',
    'adapters/bundle',
    'adapters/local',
    'api',
    'runtime',
    'local',
  ],
  infra: ['adapters/aws', 'handlers', 'runtime'],
  scripts: [
    'domain',
    'ports',
    'steps',
    'adapters/aws',
    'adapters/bundle',
    'adapters/local',
    'api',
    'runtime',
    'local',
    'cli',
  ],
  examples: [],
};

/** Packages the pure domain may use: parsing and nothing that does I/O. */
const DOMAIN_PACKAGES = new Set(['yaml']);

function layerOf(file: string): Layer | undefined {
  const rel = relative(root, file).split(sep).join('/');
  return LAYER_DIRS.find(([dir]) => rel === dir || rel.startsWith(`${dir}/`))?.[1];
}

function sourceFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'cdk.out' ? [] : sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((imported) => imported.fileName);
}

const files = LAYER_DIRS.flatMap(([dir]) => sourceFiles(join(root, dir)));

interface Violation {
  file: string;
  imported: string;
  rule: string;
}

function violations(): Violation[] {
  const found: Violation[] = [];
  for (const file of files) {
    const layer = layerOf(file);
    if (!layer) continue;
    const rel = relative(root, file);
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.')) {
        const target = layerOf(resolve(dirname(file), specifier));
        if (target && target !== layer && !ALLOWED[layer].includes(target)) {
          found.push({ file: rel, imported: specifier, rule: `${layer} may not import ${target}` });
        }
        continue;
      }
      const isAwsSdk = specifier.startsWith('@aws-sdk/');
      if (isAwsSdk && layer !== 'adapters/aws') {
        found.push({
          file: rel,
          imported: specifier,
          rule: 'only functions/adapters/aws imports @aws-sdk/*',
        });
      }
      if (layer === 'domain' && !DOMAIN_PACKAGES.has(specifier)) {
        found.push({
          file: rel,
          imported: specifier,
          rule: 'domain is pure: no I/O, env, clock or AWS imports',
        });
      }
    }
  }
  return found;
}

describe('architecture', () => {
  it('finds the source files it checks', () => {
    expect(files.some((file) => layerOf(file) === 'domain')).toBe(true);
    expect(files.some((file) => layerOf(file) === 'cli')).toBe(true);
  });

  it('keeps every import within the layer rules of DESIGN.md', () => {
    expect(violations()).toEqual([]);
  });

  it('keeps the domain free of process, clock and randomness', () => {
    const impure = files
      .filter((file) => layerOf(file) === 'domain')
      .filter((file) =>
        /\b(process\.|Date\.now|new Date\(|Math\.random|setTimeout|crypto\.)/.test(
          readFileSync(file, 'utf8'),
        ),
      )
      .map((file) => relative(root, file));
    expect(impure).toEqual([]);
  });

  it('detects a violation when one is present', () => {
    // Guards the checker itself: a domain file importing node:fs must be reported.
    const info = ts.preProcessFile("import { readFileSync } from 'node:fs';", true, true);
    expect(info.importedFiles.map((f) => f.fileName)).toEqual(['node:fs']);
    expect(DOMAIN_PACKAGES.has('node:fs')).toBe(false);
    expect(ALLOWED.domain).not.toContain('adapters/aws');
  });
});
