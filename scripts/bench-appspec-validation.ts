/**
 * Prints how long AppSpec validation takes as documents grow (it must grow linearly: 20,000 keys in
 * well under a second), and what deeply nested documents get (an INVALID_REVISION error, quickly).
 * Each figure is the median of a few runs after a warm-up.
 *
 *   npx tsx scripts/bench-appspec-validation.ts      (or: npm run bench:appspec)
 */
import { performance } from 'node:perf_hooks';
import { validateAppSpec, type Platform } from '../functions/domain/appspec/index.js';
import { median } from './bench-figures.js';

const RUNS = 5;

function measure(text: string, platform?: Platform) {
  validateAppSpec(text, { platform }); // warm-up
  const times: number[] = [];
  let verdict = validateAppSpec(text, { platform });
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    verdict = validateAppSpec(text, { platform });
    times.push(performance.now() - start);
  }
  return { ms: median(times), verdict };
}

const lines = (count: number, line: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => line(i));

const DOCUMENTS: Record<string, (n: number) => [string, Platform]> = {
  'server, unknown top-level keys': (n) => [
    ['version: 0.0', 'os: linux', ...lines(n, (i) => `key${i}: ${i}`)].join('\n'),
    'server',
  ],
  'server, files entries': (n) => [
    [
      'version: 0.0',
      'os: linux',
      'files:',
      ...lines(n, (i) => `  - {source: f${i}, destination: /srv/${i}}`),
    ].join('\n'),
    'server',
  ],
  'lambda, unknown property keys': (n) => [
    [
      'version: 0.0',
      'Resources:',
      '  - fn:',
      '      Type: AWS::Lambda::Function',
      '      Properties:',
      '        Name: f',
      '        Alias: live',
      '        CurrentVersion: 1',
      '        TargetVersion: 2',
      ...lines(n, (i) => `        key${i}: ${i}`),
    ].join('\n'),
    'lambda',
  ],
};

console.log('AppSpec validation time (median of 5 runs), by document size');
console.log(
  `${'document'.padEnd(34)} ${'keys'.padStart(7)} ${'bytes'.padStart(9)} ${'ms'.padStart(8)} ${'µs/key'.padStart(8)}`,
);
for (const [name, build] of Object.entries(DOCUMENTS)) {
  for (const n of [5_000, 10_000, 20_000, 40_000]) {
    const [text, platform] = build(n);
    const { ms, verdict } = measure(text, platform);
    if (!verdict.valid)
      throw new Error(`${name} (${n}): expected a valid AppSpec, got ${verdict.errors[0]?.message}`);
    console.log(
      `${name.padEnd(34)} ${String(n).padStart(7)} ${String(text.length).padStart(9)} ${ms.toFixed(1).padStart(8)} ${((ms * 1000) / n).toFixed(1).padStart(8)}`,
    );
  }
}

console.log('\nDeeply nested documents (50,000 levels)');
const DEPTH = 50_000;
const NESTED: Record<string, string> = {
  'JSON arrays': '['.repeat(DEPTH) + ']'.repeat(DEPTH),
  'JSON objects': '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH),
  'YAML flow sequences': `version: 0.0\nos: linux\nx: ${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}\n`,
  'YAML block sequences (- - - ...)': `version: 0.0\nos: linux\nx:\n  ${'- '.repeat(DEPTH)}a\n`,
};
for (const [name, text] of Object.entries(NESTED)) {
  const { ms, verdict } = measure(text);
  const error = verdict.errors[0];
  console.log(
    `${name.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms  ${verdict.valid ? 'VALID (unexpected)' : `${error?.code}: ${error?.message.slice(0, 60)}...`}`,
  );
}
