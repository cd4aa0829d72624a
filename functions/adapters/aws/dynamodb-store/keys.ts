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

/** Fixed-width numbers, so that sort keys order as the numbers do. */
const padded = (n: number, width: number): string => String(n).padStart(width, '0');

/** A Server deployment's instance queue: per wave, Unhealthy (u) before Healthy (h), in order. */
export const queuePrefix = (wave: number, healthy: boolean): string =>
  `QUEUE#${padded(wave, 4)}#${healthy ? 'h' : 'u'}#`;
export const queueKey = (id: string, wave: number, healthy: boolean, position: number): AttributeMap => ({
  pk: s(`DEPLOYMENT#${id}`),
  sk: s(`${queuePrefix(wave, healthy)}${padded(position, 9)}`),
});
export const chunkPrefix = (batchNumber: number): string => `CHUNK#${padded(batchNumber, 9)}#`;
export const chunkKey = (id: string, batchNumber: number, chunk: number): AttributeMap => ({
  pk: s(`DEPLOYMENT#${id}`),
  sk: s(`${chunkPrefix(batchNumber)}${padded(chunk, 6)}`),
});
export const eventWaitKey = (id: string, batchNumber: number, event: string): AttributeMap => ({
  pk: s(`DEPLOYMENT#${id}`),
  sk: s(`EVENT#${padded(batchNumber, 9)}#${event}`),
});
export const instanceHealthPrefix = 'HEALTH#';
export const instanceHealthKey = (app: string, group: string, instanceId: string): AttributeMap => ({
  pk: s(`GROUP#${part(app)}#${part(group)}`),
  sk: s(`${instanceHealthPrefix}${instanceId}`),
});
