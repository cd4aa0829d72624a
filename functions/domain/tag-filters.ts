/**
 * Which instances a deployment group's tag filters select, as CodeDeploy selects them (reference §5.2,
 * CreateDeploymentGroup):
 * - a filter is KEY_ONLY (a tag with that key, any value), VALUE_ONLY (a tag with that value, any key)
 *   or KEY_AND_VALUE (one tag with both); keys and values compare exactly (case-sensitive, as EC2 tags);
 * - one tag group (the flat `ec2TagFilters` / `onPremisesInstanceTagFilters`, or one list of a tag set)
 *   selects an instance when ANY of its filters matches (OR);
 * - a tag set (`ec2TagSet` / `onPremisesTagSet`, at most 3 groups) selects an instance only when EVERY
 *   group matches (AND).
 * Pure: deployments resolve their targets with it, the API validates filters with it.
 */
import { CodeDeployException } from './codedeploy-exception.js';
import type { CodeDeployExceptionName, Tag, TagFilter } from './codedeploy-shapes.js';

export const TAG_FILTER_TYPES = ['KEY_ONLY', 'VALUE_ONLY', 'KEY_AND_VALUE'] as const;
/** "The number of tag groups included in the tag set list exceeded the maximum allowed limit of 3." */
export const MAX_TAG_SET_GROUPS = 3;
/** EC2's tag limits, which CodeDeploy's on-premises tags share [inferred]. */
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;

/** EC2TagFilter and TagFilter have the same members. */
export type TagFilterSpec = TagFilter;

/** What a deployment group selects its instances by: a flat filter list or a tag set, never both. */
export interface TagSelector {
  tagFilters?: readonly TagFilterSpec[];
  tagSet?: readonly (readonly TagFilterSpec[])[];
}

export function matchesTagFilter(tags: readonly Tag[], filter: TagFilterSpec): boolean {
  switch (filter.Type) {
    case 'KEY_ONLY':
      return tags.some((tag) => tag.Key === filter.Key);
    case 'VALUE_ONLY':
      return tags.some((tag) => (tag.Value ?? '') === filter.Value);
    case 'KEY_AND_VALUE':
      return tags.some((tag) => tag.Key === filter.Key && (tag.Value ?? '') === (filter.Value ?? ''));
    default:
      // Validation refuses a filter without a type; an unvalidated one selects nothing.
      return false;
  }
}

/** One tag group: any filter matches. An empty group matches nothing. */
export function matchesTagGroup(tags: readonly Tag[], group: readonly TagFilterSpec[]): boolean {
  return group.some((filter) => matchesTagFilter(tags, filter));
}

/** A tag set: every group matches. An empty set matches nothing. */
export function matchesTagSet(tags: readonly Tag[], groups: readonly (readonly TagFilterSpec[])[]): boolean {
  return groups.length > 0 && groups.every((group) => matchesTagGroup(tags, group));
}

export function matchesTagSelector(tags: readonly Tag[], selector: TagSelector): boolean {
  if (selector.tagSet && selector.tagSet.length > 0) return matchesTagSet(tags, selector.tagSet);
  if (selector.tagFilters && selector.tagFilters.length > 0)
    return matchesTagGroup(tags, selector.tagFilters);
  return false;
}

/** The items whose tags the selector matches, in their given order. */
export function selectByTags<T extends { tags?: readonly Tag[] }>(
  items: readonly T[],
  selector: TagSelector,
): T[] {
  return items.filter((item) => matchesTagSelector(item.tags ?? [], selector));
}

/**
 * Checks one filter list and returns a clean copy (no stray members). `field` names the list in
 * messages; `exception` is the operation's name for a bad tag (InvalidEC2TagException for EC2 filters,
 * InvalidTagException for on-premises ones, InvalidTagFilterException for ListOnPremisesInstances).
 *
 * [unverified] CodeDeploy's handling of a filter without `Type`, or of KEY_ONLY with a value, is not
 * documented: stepdeploy refuses both rather than guess, since guessing wrong widens the target set.
 */
export function validateTagFilters(
  filters: readonly TagFilterSpec[],
  field: string,
  exception: CodeDeployExceptionName,
): TagFilterSpec[] {
  return filters.map((filter, index) => {
    const where = `${field}[${index}]`;
    const fail = (message: string) => new CodeDeployException(exception, `${where}: ${message}`);
    const { Key, Value, Type } = filter;
    if (Type === undefined) {
      throw fail(`Type is required: KEY_ONLY, VALUE_ONLY or KEY_AND_VALUE.`);
    }
    if (!(TAG_FILTER_TYPES as readonly string[]).includes(Type)) {
      throw fail(`Type must be KEY_ONLY, VALUE_ONLY or KEY_AND_VALUE, not ${JSON.stringify(Type)}.`);
    }
    if (Key !== undefined && Key.length > MAX_TAG_KEY_LENGTH) {
      throw fail(`Key is longer than ${MAX_TAG_KEY_LENGTH} characters.`);
    }
    if (Value !== undefined && Value.length > MAX_TAG_VALUE_LENGTH) {
      throw fail(`Value is longer than ${MAX_TAG_VALUE_LENGTH} characters.`);
    }
    switch (Type) {
      case 'KEY_ONLY':
        if (!Key) throw fail('KEY_ONLY needs a Key.');
        if (Value) throw fail('KEY_ONLY matches on the key alone: remove Value, or use KEY_AND_VALUE.');
        return { Key, Type };
      case 'VALUE_ONLY':
        if (!Value) throw fail('VALUE_ONLY needs a Value.');
        if (Key) throw fail('VALUE_ONLY matches on the value alone: remove Key, or use KEY_AND_VALUE.');
        return { Value, Type };
      default:
        if (!Key) throw fail('KEY_AND_VALUE needs a Key.');
        return { Key, Value: Value ?? '', Type };
    }
  });
}

/**
 * Checks a tag set (at most 3 non-empty groups) and returns a clean copy. Too many groups is
 * TagSetListLimitExceededException; a bad filter is `exception`.
 */
export function validateTagSet(
  groups: readonly (readonly TagFilterSpec[])[],
  field: string,
  exception: CodeDeployExceptionName,
): TagFilterSpec[][] {
  if (groups.length > MAX_TAG_SET_GROUPS) {
    throw new CodeDeployException(
      'TagSetListLimitExceededException',
      `${field} has ${groups.length} tag groups; the maximum is ${MAX_TAG_SET_GROUPS}.`,
    );
  }
  return groups.map((group, index) => {
    if (group.length === 0) {
      throw new CodeDeployException(
        exception,
        `${field}[${index}] is an empty tag group: give it a filter or remove it.`,
      );
    }
    return validateTagFilters(group, `${field}[${index}]`, exception);
  });
}
