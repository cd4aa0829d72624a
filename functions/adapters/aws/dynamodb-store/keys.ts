import { s, type AttributeMap } from './table.js';

/**
 * The keys of the table's items (layout: dynamodb-store.ts). In the two-name keys (GROUP#, APP#) a
 * '%' or '#' inside a name is percent-encoded, so that app 'a#b' + group 'c' and app 'a' + group
 * 'b#c' get different keys; ordinary names appear unchanged.
 */
const part = (name: string): string => name.replace(/%/g, '%25').replace(/#/g, '%23');

export const deploymentKey = (id: string): AttributeMap => ({
  pk: s(`DEPLOYMENT#${id}`),
  sk: s('DEPLOYMENT'),
});
export const groupKey = (app: string, group: string, sk: 'CONFIG' | 'LOCK'): AttributeMap => ({
  pk: s(`GROUP#${part(app)}#${part(group)}`),
  sk: s(sk),
});
export const hookKey = (id: string): AttributeMap => ({ pk: s(`HOOK#${id}`), sk: s('HOOK') });
export const waitKey = (id: string): AttributeMap => ({ pk: s(`DEPLOYMENT#${id}`), sk: s('WAIT') });
export const alarmWatchKey = (alarm: string, id: string): AttributeMap => ({
  pk: s(`ALARM#${alarm}`),
  sk: s(`DEPLOYMENT#${id}`),
});
export const executionKey = (name: string): AttributeMap => ({
  pk: s(`EXECUTION#${name}`),
  sk: s('EXECUTION'),
});
export const targetKey = (id: string, targetId: string): AttributeMap => ({
  pk: s(`DEPLOYMENT#${id}`),
  sk: s(`TARGET#${targetId}`),
});
export const commandKey = (commandId: string): AttributeMap => ({
  pk: s(`COMMAND#${commandId}`),
  sk: s('COMMAND'),
});
export const groupIndexKey = (app: string, group: string): string => `APP#${part(app)}#${part(group)}`;
