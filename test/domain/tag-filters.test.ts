import { describe, expect, it } from 'vitest';
import type { Tag } from '../../functions/domain/codedeploy-shapes.js';
import {
  matchesTagFilter,
  matchesTagGroup,
  matchesTagSet,
  selectByTags,
  validateTagFilters,
  validateTagSet,
  type TagFilterSpec,
} from '../../functions/domain/tag-filters.js';

const tags = (...pairs: Array<[string, string]>): Tag[] => pairs.map(([Key, Value]) => ({ Key, Value }));
const keyOnly = (Key: string): TagFilterSpec => ({ Key, Type: 'KEY_ONLY' });
const valueOnly = (Value: string): TagFilterSpec => ({ Value, Type: 'VALUE_ONLY' });
const both = (Key: string, Value: string): TagFilterSpec => ({ Key, Value, Type: 'KEY_AND_VALUE' });

describe('one tag filter', () => {
  it.each<[string, Tag[], TagFilterSpec, boolean]>([
    ['KEY_ONLY matches the key with any value', tags(['role', 'web']), keyOnly('role'), true],
    ['KEY_ONLY matches the key with an empty value', tags(['role', '']), keyOnly('role'), true],
    ['KEY_ONLY does not match a value equal to the key', tags(['name', 'role']), keyOnly('role'), false],
    ['VALUE_ONLY matches the value under any key', tags(['tier', 'web']), valueOnly('web'), true],
    ['VALUE_ONLY does not match a key equal to the value', tags(['web', 'x']), valueOnly('web'), false],
    ['KEY_AND_VALUE needs both on one tag', tags(['role', 'web']), both('role', 'web'), true],
    [
      'KEY_AND_VALUE does not join the key of one tag and the value of another',
      tags(['role', 'db'], ['tier', 'web']),
      both('role', 'web'),
      false,
    ],
    ['keys compare case-sensitively, as EC2 tags', tags(['Role', 'web']), both('role', 'web'), false],
    ['values compare case-sensitively', tags(['role', 'Web']), both('role', 'web'), false],
    [
      'KEY_AND_VALUE with an empty value matches an empty value only',
      tags(['role', '']),
      both('role', ''),
      true,
    ],
    ['no tags match nothing', [], keyOnly('role'), false],
    ['a filter without a type matches nothing', tags(['role', 'web']), { Key: 'role', Value: 'web' }, false],
  ])('%s', (_name, instanceTags, filter, expected) => {
    expect(matchesTagFilter(instanceTags, filter)).toBe(expected);
  });
});

describe('a tag group (one list): any filter matches (OR)', () => {
  it.each<[string, Tag[], TagFilterSpec[], boolean]>([
    ['the first filter matches', tags(['role', 'web']), [both('role', 'web'), both('role', 'api')], true],
    ['the second filter matches', tags(['role', 'api']), [both('role', 'web'), both('role', 'api')], true],
    ['no filter matches', tags(['role', 'db']), [both('role', 'web'), both('role', 'api')], false],
    [
      'mixed types: a key-only filter matches',
      tags(['canary', 'yes']),
      [both('role', 'web'), keyOnly('canary')],
      true,
    ],
    ['an empty group matches nothing', tags(['role', 'web']), [], false],
  ])('%s', (_name, instanceTags, group, expected) => {
    expect(matchesTagGroup(instanceTags, group)).toBe(expected);
  });
});

describe('a tag set (several groups): every group must match (AND)', () => {
  const set = [[both('env', 'prod')], [both('role', 'web'), both('role', 'api')], [keyOnly('zone')]];
  it.each<[string, Tag[], boolean]>([
    ['matches each group', tags(['env', 'prod'], ['role', 'api'], ['zone', 'a']), true],
    ['misses the last group', tags(['env', 'prod'], ['role', 'api']), false],
    ['misses the first group', tags(['env', 'test'], ['role', 'web'], ['zone', 'b']), false],
    ['one tag cannot satisfy two groups it does not match', tags(['zone', 'prod']), false],
  ])('%s', (_name, instanceTags, expected) => {
    expect(matchesTagSet(instanceTags, set)).toBe(expected);
  });

  it('an empty set matches nothing', () => {
    expect(matchesTagSet(tags(['env', 'prod']), [])).toBe(false);
  });
});

describe('selecting instances', () => {
  const fleet = [
    { name: 'web-1', tags: tags(['role', 'web'], ['env', 'prod']) },
    { name: 'web-2', tags: tags(['role', 'web'], ['env', 'test']) },
    { name: 'db-1', tags: tags(['role', 'db'], ['env', 'prod']) },
    { name: 'bare' },
  ];
  it.each<[string, Parameters<typeof selectByTags>[1], string[]]>([
    ['by a flat filter list (one group)', { tagFilters: [both('role', 'web')] }, ['web-1', 'web-2']],
    [
      'by a flat list of two filters (OR)',
      { tagFilters: [both('role', 'db'), both('env', 'test')] },
      ['web-2', 'db-1'],
    ],
    [
      'by a tag set of two groups (AND)',
      { tagSet: [[both('role', 'web')], [both('env', 'prod')]] },
      ['web-1'],
    ],
    [
      'by a set taking precedence over an empty flat list',
      { tagFilters: [], tagSet: [[keyOnly('role')]] },
      ['web-1', 'web-2', 'db-1'],
    ],
    ['by nothing: no instance', {}, []],
  ])('%s', (_name, selector, expected) => {
    expect(selectByTags(fleet, selector).map((instance) => instance.name)).toEqual(expected);
  });
});

describe('validating filters', () => {
  it('keeps a clean copy of valid filters', () => {
    const stray = { Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE', extra: 1 } as TagFilterSpec;
    expect(
      validateTagFilters([stray, keyOnly('zone'), valueOnly('web')], 'f', 'InvalidTagException'),
    ).toEqual([
      { Key: 'role', Value: 'web', Type: 'KEY_AND_VALUE' },
      { Key: 'zone', Type: 'KEY_ONLY' },
      { Value: 'web', Type: 'VALUE_ONLY' },
    ]);
  });

  it.each<[string, TagFilterSpec, RegExp]>([
    [
      'no type [unverified: refused rather than guessed]',
      { Key: 'role', Value: 'web' },
      /f\[0\]: Type is required/,
    ],
    [
      'an unknown type',
      { Key: 'role', Type: 'SOME' as never },
      /Type must be KEY_ONLY, VALUE_ONLY or KEY_AND_VALUE/,
    ],
    ['KEY_ONLY without a key', { Type: 'KEY_ONLY' }, /KEY_ONLY needs a Key/],
    [
      'KEY_ONLY with a value [unverified: refused, it would widen the selection]',
      { Key: 'r', Value: 'w', Type: 'KEY_ONLY' },
      /remove Value, or use KEY_AND_VALUE/,
    ],
    ['VALUE_ONLY without a value', { Type: 'VALUE_ONLY' }, /VALUE_ONLY needs a Value/],
    ['VALUE_ONLY with a key', { Key: 'r', Value: 'w', Type: 'VALUE_ONLY' }, /remove Key/],
    ['KEY_AND_VALUE without a key', { Value: 'w', Type: 'KEY_AND_VALUE' }, /KEY_AND_VALUE needs a Key/],
    ['a key over 128 characters', { Key: 'k'.repeat(129), Type: 'KEY_ONLY' }, /longer than 128/],
  ])('refuses %s', (_name, filter, message) => {
    expect(() => validateTagFilters([filter], 'f', 'InvalidEC2TagException')).toThrow(message);
    expect(() => validateTagFilters([filter], 'f', 'InvalidEC2TagException')).toThrow(
      expect.objectContaining({ name: 'InvalidEC2TagException' }),
    );
  });

  it('allows 3 groups in a tag set, refuses 4 with TagSetListLimitExceededException, and refuses an empty group', () => {
    expect(
      validateTagSet([[keyOnly('a')], [keyOnly('b')], [keyOnly('c')]], 's', 'InvalidTagException'),
    ).toHaveLength(3);
    expect(() =>
      validateTagSet(
        [[keyOnly('a')], [keyOnly('b')], [keyOnly('c')], [keyOnly('d')]],
        's',
        'InvalidTagException',
      ),
    ).toThrow(expect.objectContaining({ name: 'TagSetListLimitExceededException' }));
    expect(() => validateTagSet([[keyOnly('a')], []], 's', 'InvalidTagException')).toThrow(
      /s\[1\] is an empty tag group/,
    );
  });
});
