import { describe, expect, it } from 'vitest';
import { parseAppSpecSource } from '../../../functions/domain/appspec/source.js';

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
});
