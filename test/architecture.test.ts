import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of DESIGN.md: domain <- ports <- steps <- flows (the registry), adapters <-
 * handlers, local engine, api <- cli. `infra` reads state machines, the registry and handler entry
 * files, never the domain. Only the AWS adapters talk to AWS. No module imports itself back.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

type Layer =
  | 'domain'
  | 'ports'
  | 'steps'
  | 'flows'
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
  ['functions/flows', 'flows'],
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
  flows: ['domain', 'ports', 'steps'],
  'adapters/aws': ['domain', 'ports', 'adapters/bundle'],
  'adapters/bundle': ['domain', 'ports'],
  'adapters/local': ['domain', 'ports', 'adapters/bundle'],
  runtime: ['domain', 'ports'],
  handlers: [
    'domain',
    'ports',
    'steps',
    'flows',
    'adapters/aws',
    'adapters/bundle',
    'adapters/local',
    'runtime',
    'api',
  ],
  api: ['domain', 'ports', 'steps', 'runtime'],
  local: [
    'domain',
    'ports',
    'steps',
    'flows',
    'adapters/aws',
    'adapters/bundle',
    'adapters/local',
    'api',
    'runtime',
  ],
  cli: [
    'domain',
    'ports',
    'steps',
    'flows',
    'adapters/aws',
    'adapters/bundle',
    'adapters/local',
    'api',
    'runtime',
    'local',
  ],
  infra: ['adapters/aws', 'flows', 'handlers', 'runtime'],
  scripts: [
    'domain',
    'ports',
    'steps',
    'flows',
    'handlers',
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

function layerOf(file: string, base = root): Layer | undefined {
  const rel = relative(base, file).split(sep).join('/');
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

const filesUnder = (base: string) => LAYER_DIRS.flatMap(([dir]) => sourceFiles(join(base, dir)));
const files = filesUnder(root);

interface Violation {
  file: string;
  imported: string;
  rule: string;
}

/** Every import of the files under `base` that breaks a rule (layers are read relative to `base`). */
function violations(base = root, checked = files): Violation[] {
  const found: Violation[] = [];
  for (const file of checked) {
    const layer = layerOf(file, base);
    if (!layer) continue;
    const rel = relative(base, file);
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.')) {
        const target = layerOf(resolve(dirname(file), specifier), base);
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
    // Guards the checker itself, on real files: a fixture tree whose domain module does I/O and
    // imports an adapter, which the checker must report, and nothing else.
    const fixtures = join(here, 'fixtures', 'architecture');
    expect(violations(fixtures, filesUnder(fixtures))).toEqual([
      {
        file: join('functions', 'domain', 'reads-disk.ts'),
        imported: 'node:fs',
        rule: 'domain is pure: no I/O, env, clock or AWS imports',
      },
      {
        file: join('functions', 'domain', 'reads-disk.ts'),
        imported: '../adapters/aws/client.js',
        rule: 'domain may not import adapters/aws',
      },
    ]);
  });

  it('keeps the layer rules acyclic: no layer may import a layer that may import it', () => {
    const reaches = (from: Layer, to: Layer, seen = new Set<Layer>()): boolean =>
      ALLOWED[from].some((next) => next === to || (!seen.has(next) && reaches(next, to, seen.add(next))));
    const cycles = (Object.keys(ALLOWED) as Layer[]).filter((layer) => reaches(layer, layer));
    expect(cycles).toEqual([]);
  });

  it('has no import cycle between modules', () => {
    const graph = new Map(
      files.map((file) => [
        file,
        importsOf(file)
          .filter((specifier) => specifier.startsWith('.'))
          .map((specifier) => resolve(dirname(file), specifier).replace(/\.js$/, '.ts')),
      ]),
    );
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(root, f)).join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
