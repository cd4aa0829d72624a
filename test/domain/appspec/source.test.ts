import { describe, expect, it } from 'vitest';
import { validateAppSpec } from '../../../functions/domain/appspec/index.js';
import { MAX_NESTING_DEPTH, parseAppSpecSource } from '../../../functions/domain/appspec/source.js';

describe('parseAppSpecSource', () => {
  it('reports an alias with no anchor as a parse error instead of throwing', () => {
    const source = parseAppSpecSource('version: 0.0\nName: *missing\n');
    expect(source.value).toBeUndefined();
    expect(source.errors).toHaveLength(1);
    expect(source.errors[0]).toMatchObject({ code: 'INVALID_REVISION', path: '' });
    expect(source.errors[0]?.message).toMatch(/^The AppSpec file is not valid YAML: .*missing/);
  });

  it('reports malformed YAML with its line', () => {
    const source = parseAppSpecSource('version: 0.0\nos: [\n');
    expect(source.errors[0]).toMatchObject({ code: 'INVALID_REVISION', line: 3 });
  });

  it('strips a byte-order mark', () => {
    expect(parseAppSpecSource('\uFEFFversion: 0.0\n').value).toEqual({ version: 0 });
  });

  it('locates a nested field, falling back to the nearest existing ancestor', () => {
    const source = parseAppSpecSource('hooks:\n  AfterInstall:\n    - location: a.sh\n');
    expect(source.locate(['hooks', 'AfterInstall', 0, 'location'])).toEqual({ line: 3, column: 17 });
    expect(source.locate(['hooks', 'AfterInstall', 0, 'timeout'])).toEqual({ line: 3, column: 7 });
  });

  it('locates keys by exact match first, then case-insensitively, and a duplicate key by its last occurrence', () => {
    const source = parseAppSpecSource('Os: a\nos: b\nos: c\n');
    expect(source.locate(['os'])).toEqual({ line: 2, column: 5 });
    expect(source.locate(['OS'])).toEqual({ line: 1, column: 5 });
    expect(source.scalar?.(['os'])).toEqual({ text: 'c', quoted: false });
  });

  it('reports a second document as a parse error, as parseDocument does', () => {
    const source = parseAppSpecSource('version: 0.0\n---\nos: linux\n');
    expect(source.errors[0]?.message).toMatch(/multiple documents/);
  });
});

describe('deeply nested documents', () => {
  // The reproduction is 50,000 deep; the other shapes overflow the stack far sooner.
  const DEPTH = 10_000;
  const cases: Array<[string, string, number]> = [
    ['JSON objects', '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000), 1],
    ['JSON arrays', '['.repeat(DEPTH) + ']'.repeat(DEPTH), 1],
    ['YAML flow sequences', `version: 0.0\nos: linux\nx: ${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}\n`, 3],
    ['YAML block sequences', `version: 0.0\nos: linux\nx:\n  ${'- '.repeat(DEPTH)}a\n`, 4],
    [
      'YAML block mappings',
      `x:\n${Array.from({ length: 100 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} 1\n`,
      MAX_NESTING_DEPTH + 1,
    ],
    ['JSON with tabs (read by JSON.parse)', `{\t"a":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`, 1],
  ];

  it.each(cases)(
    '%s nested thousands deep get INVALID_REVISION naming the limit, not a RangeError',
    (name, text, line) => {
      // The crash (JSON objects, in the Server validator) detected and forced; the others detected.
      const platforms = name === 'JSON objects' ? ([undefined, 'server'] as const) : [undefined];
      for (const platform of platforms) {
        const verdict = validateAppSpec(text, { platform });
        expect(verdict.valid).toBe(false);
        expect(verdict.errors).toHaveLength(1);
        expect(verdict.errors[0]).toMatchObject({ code: 'INVALID_REVISION', path: '' });
        expect(verdict.errors[0]?.message).toContain(`more than ${MAX_NESTING_DEPTH} levels deep`);
        if (!text.includes('\t')) expect(verdict.errors[0]?.line).toBe(line);
      }
    },
  );

  it(`reads ${MAX_NESTING_DEPTH} levels, and refuses one more`, () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(parseAppSpecSource(nested(MAX_NESTING_DEPTH)).errors).toEqual([]);
    expect(parseAppSpecSource(nested(MAX_NESTING_DEPTH + 1)).errors[0]?.message).toContain('levels deep');
  });
});

describe('documents with many keys', () => {
  it('locates each of 20,000 unknown keys on its own line (the lookups are indexed)', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `key${i}: ${i}`);
    const verdict = validateAppSpec(['version: 0.0', 'os: linux', ...keys].join('\n'));
    expect(verdict.valid).toBe(true);
    expect(verdict.warnings).toHaveLength(20_000);
    expect(verdict.warnings[19_999]).toMatchObject({ code: 'UNKNOWN_KEY', path: 'key19999', line: 20_002 });
  });
});
