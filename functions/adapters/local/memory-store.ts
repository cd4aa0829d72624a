/**
 * The deployment store in this process's memory: every role of DeploymentStore with the DynamoDB
 * store's semantics (conditional writes, the same errors, records copied in and out as JSON, so
 * what a caller keeps never changes what is stored). It serves rehearsals of very large fleets
 * (`npm run bench:scale`), where the DynamoDB API's per-call cost (SDK, HTTP, dynalite) would take
 * hours for OneAtATime on 10,000 instances; test/adapters/store-conformance.test.ts runs the same
 * checks against it and against DynamoDB's API on dynalite. Nothing is kept after the process ends.
 */
import {
  DeploymentDoesNotExistException,
  DeploymentLimitExceededException,
  DeploymentStatusConflictError,
  InvalidLifecycleEventHookExecutionIdException,
  LifecycleEventAlreadyCompletedException,
} from '../../domain/deployment-errors.js';
import { emptyOverview, isOverviewStatus } from '../../domain/status.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { Page, PageRequest } from '../../ports/pages.js';
import type {
  BatchChunk,
  CommandWait,
  DeploymentGroupRecord,
  DeploymentRecord,
  EventWait,
  HookExecutionRecord,
  InstanceHealthState,
  InstanceQueueEntry,
  InstanceTargetRecord,
  PendingWait,
} from '../../ports/records.js';
import { DEPLOYMENT_IDENTITY_FIELDS, DEPLOYMENT_REQUIRED_FIELDS } from '../../ports/records.js';

/** A copy through JSON, as the DynamoDB store's marshalling makes one (undefined members dropped). */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const groupId = (app: string, group: string) => JSON.stringify([app, group]);

export function memoryDeploymentStore(): DeploymentStore {
  /** Kept as JSON text: read far more often than written, a record is parsed, never copied twice. */
  const deployments = new Map<string, string>();
  const readDeployment = (id: string): DeploymentRecord | undefined => {
    const text = deployments.get(id);
    return text === undefined ? undefined : (JSON.parse(text) as DeploymentRecord);
  };
  const executionNames = new Map<string, string>();
  const groups = new Map<string, DeploymentGroupRecord>();
  const health = new Map<string, Map<string, InstanceHealthState>>();
  const locks = new Map<string, { holder: string; leaseExpiresAt?: number }>();
  const hooks = new Map<string, HookExecutionRecord>();
  const waits = new Map<string, PendingWait>();
  const watches = new Map<string, Set<string>>();
  const targets = new Map<string, Map<string, InstanceTargetRecord>>();
  const commands = new Map<string, CommandWait>();
  /** Each queue sorted by position (re-sorted only after out-of-order puts), taken from its head. */
  const queues = new Map<
    string,
    { entries: InstanceQueueEntry[]; sorted: boolean; removed: Set<number>; head: number }
  >();
  const chunks = new Map<string, Map<number, BatchChunk>>();
  const events = new Map<string, EventWait>();

  const queueKey = (id: string, wave: number, healthy: boolean) => `${id}\n${wave}\n${healthy ? 'h' : 'u'}`;
  const eventKey = (id: string, batch: number, event: string) => `${id}\n${batch}\n${event}`;
  /** Writes a target and moves its deployment's overview counters, as the DynamoDB store does. */
  const putTarget = (target: InstanceTargetRecord) => {
    const map = targetsOf(target.deploymentId);
    const previous = map.get(target.targetId)?.status;
    map.set(target.targetId, copy(target));
    if (previous === target.status) return;
    const text = deployments.get(target.deploymentId);
    if (text === undefined) return;
    const record = JSON.parse(text) as DeploymentRecord;
    const overview = record.deploymentOverview as Record<string, number> | undefined;
    if (!overview) return;
    if (isOverviewStatus(previous)) overview[previous] = (overview[previous] ?? 0) - 1;
    if (isOverviewStatus(target.status)) overview[target.status] = (overview[target.status] ?? 0) + 1;
    deployments.set(target.deploymentId, JSON.stringify(record));
  };
  const targetsOf = (id: string) => {
    let map = targets.get(id);
    if (!map) targets.set(id, (map = new Map()));
    return map;
  };
  const event = (id: string, batch: number, name: string): EventWait => {
    const found = events.get(eventKey(id, batch, name));
    if (!found) throw new Error(`ConditionalCheckFailedException: no event wait ${id} ${batch} ${name}`);
    return found;
  };

  return {
    async getDeployment(id) {
      return readDeployment(id);
    },
    async createDeployment(record) {
      const stored = readDeployment(record.deploymentId);
      if (stored) return { record: stored, created: false };
      // A Server deployment counts its instance targets, as the DynamoDB store does.
      const counted =
        record.computePlatform === 'Server' && !record.deploymentOverview
          ? { ...record, deploymentOverview: emptyOverview() }
          : record;
      deployments.set(record.deploymentId, JSON.stringify(counted));
      return { record: copy(counted), created: true };
    },
    async updateDeployment(id, changes, expectedStatuses) {
      const stored = readDeployment(id);
      if (!stored) throw new DeploymentDoesNotExistException(`The deployment ${id} could not be found`);
      for (const field of DEPLOYMENT_IDENTITY_FIELDS) {
        const wanted: unknown = Reflect.get(changes, field);
        if (wanted !== undefined && wanted !== Reflect.get(stored, field)) {
          throw new TypeError(`The ${field} of deployment ${id} cannot change`);
        }
      }
      if (expectedStatuses && !expectedStatuses.includes(stored.status)) {
        throw new DeploymentStatusConflictError(
          `Deployment ${id} is ${stored.status}, expected one of: ${expectedStatuses.join(', ') || '(none)'}`,
        );
      }
      const next: Record<string, unknown> = { ...stored };
      for (const [field, value] of Object.entries(copy(changes) as Record<string, unknown>)) {
        if (!DEPLOYMENT_IDENTITY_FIELDS.has(field)) next[field] = value;
      }
      for (const [field, value] of Object.entries(changes)) {
        if (
          value === undefined &&
          !DEPLOYMENT_IDENTITY_FIELDS.has(field) &&
          !DEPLOYMENT_REQUIRED_FIELDS.has(field)
        )
          delete next[field];
      }
      const text = JSON.stringify(next);
      deployments.set(id, text);
      return JSON.parse(text) as DeploymentRecord;
    },
    async listDeployments(filter) {
      return [...deployments.keys()]
        .map((id) => readDeployment(id) as DeploymentRecord)
        .filter(
          (d) =>
            (filter?.applicationName === undefined || d.applicationName === filter.applicationName) &&
            (filter?.deploymentGroupName === undefined ||
              d.deploymentGroupName === filter.deploymentGroupName),
        )
        .sort(
          (a, b) => b.createTime.localeCompare(a.createTime) || b.deploymentId.localeCompare(a.deploymentId),
        )
        .map(copy);
    },

    async listDeploymentIds(query, page) {
      const from = query.createdFrom ?? '';
      const to = query.createdTo ?? '\uffff';
      const ids = [...deployments.keys()]
        .map((id) => readDeployment(id) as DeploymentRecord)
        .filter(
          (d) =>
            (query.applicationName === undefined || d.applicationName === query.applicationName) &&
            (query.deploymentGroupName === undefined ||
              d.deploymentGroupName === query.deploymentGroupName) &&
            (!query.statuses?.length || query.statuses.includes(d.status)) &&
            (query.externalId === undefined || d.externalId === query.externalId) &&
            (query.deploymentConfigName === undefined ||
              d.deploymentConfigName === query.deploymentConfigName) &&
            d.createTime >= from &&
            d.createTime <= to,
        )
        .sort(
          (a, b) => b.createTime.localeCompare(a.createTime) || b.deploymentId.localeCompare(a.deploymentId),
        )
        .map((d) => d.deploymentId);
      return offsetPage(ids, page);
    },

    async claimExecutionName(name, deploymentId) {
      const first = executionNames.get(name);
      if (first !== undefined) return first;
      executionNames.set(name, deploymentId);
      return deploymentId;
    },
    async claimedDeploymentId(name) {
      return executionNames.get(name);
    },

    async getDeploymentGroup(app, group) {
      const record = groups.get(groupId(app, group));
      return record && copy(record);
    },
    async putDeploymentGroup(group) {
      groups.set(groupId(group.applicationName, group.deploymentGroupName), copy(group));
    },
    async recordGroupDeploymentState(app, group, state) {
      const record = groups.get(groupId(app, group));
      if (!record) return false;
      Object.assign(record, copy(state));
      return true;
    },
    async recordInstanceHealth(app, group, entries) {
      const key = groupId(app, group);
      let map = health.get(key);
      if (!map) health.set(key, (map = new Map()));
      for (const entry of entries) map.set(entry.instanceId, entry.health);
    },
    async listInstanceHealth(app, group) {
      const legacy = Object.entries(groups.get(groupId(app, group))?.instanceHealth ?? {});
      return new Map([...legacy, ...(health.get(groupId(app, group)) ?? [])]);
    },

    async acquireGroupLock(app, group, deploymentId, lease) {
      const key = groupId(app, group);
      const lock = locks.get(key);
      const expired = lock?.leaseExpiresAt !== undefined && lock.leaseExpiresAt < lease.nowMs;
      if (lock && lock.holder !== deploymentId && !expired) {
        throw new DeploymentLimitExceededException(
          `The Deployment Group '${group}' already has an active Deployment '${lock.holder}'`,
        );
      }
      locks.set(key, { holder: deploymentId, leaseExpiresAt: Math.floor(lease.untilMs) });
    },
    async renewGroupLock(app, group, deploymentId, leaseUntilMs) {
      const lock = locks.get(groupId(app, group));
      if (lock?.holder !== deploymentId) return false;
      lock.leaseExpiresAt = Math.max(lock.leaseExpiresAt ?? 0, Math.floor(leaseUntilMs));
      return true;
    },
    async releaseGroupLock(app, group, deploymentId) {
      const key = groupId(app, group);
      if (locks.get(key)?.holder === deploymentId) locks.delete(key);
    },
    async getGroupLockHolder(app, group) {
      return locks.get(groupId(app, group))?.holder;
    },

    async putHookExecution(record) {
      hooks.set(record.lifecycleEventHookExecutionId, copy(record));
    },
    async getHookExecution(id) {
      const record = hooks.get(id);
      return record && copy(record);
    },
    async completeHookExecution(id, status) {
      const record = hooks.get(id);
      if (!record)
        throw new InvalidLifecycleEventHookExecutionIdException(
          `The lifecycle event hook execution '${id}' does not exist`,
        );
      if (record.status !== 'Pending')
        throw new LifecycleEventAlreadyCompletedException(
          `The lifecycle event hook execution '${id}' has already completed`,
        );
      record.status = status;
      return copy(record);
    },

    async putPendingWait(wait) {
      waits.set(wait.deploymentId, copy(wait));
    },
    async getPendingWait(id) {
      const wait = waits.get(id);
      return wait && copy(wait);
    },
    async clearPendingWait(id, taskToken) {
      if (waits.get(id)?.taskToken === taskToken) waits.delete(id);
    },

    async watchAlarms(deploymentId, alarmNames) {
      for (const name of alarmNames) {
        let set = watches.get(name);
        if (!set) watches.set(name, (set = new Set()));
        set.add(deploymentId);
      }
    },
    async unwatchAlarms(deploymentId, alarmNames) {
      for (const name of alarmNames) watches.get(name)?.delete(deploymentId);
    },
    async deploymentsWatchingAlarm(alarmName) {
      return [...(watches.get(alarmName) ?? [])];
    },

    async putDeploymentTarget(target) {
      putTarget(target);
    },
    async putDeploymentTargets(list) {
      for (const target of list) putTarget(target);
    },
    async getDeploymentTarget(deploymentId, targetId) {
      const target = targetsOf(deploymentId).get(targetId);
      return target && copy(target);
    },
    async listDeploymentTargetIds(deploymentId, filter, page) {
      const ids = [...targetsOf(deploymentId).values()]
        .filter(
          (t) =>
            (!filter.statuses?.length || filter.statuses.includes(t.status)) &&
            (!filter.labels?.length ||
              (t.instanceLabel !== undefined && filter.labels.includes(t.instanceLabel))),
        )
        .map((t) => t.targetId)
        .sort();
      return offsetPage(ids, page);
    },
    async getDeploymentTargets(deploymentId, ids) {
      const map = targetsOf(deploymentId);
      return [...new Set(ids)].flatMap((id) => {
        const target = map.get(id);
        return target ? [copy(target)] : [];
      });
    },
    async listDeploymentTargets(deploymentId) {
      return [...targetsOf(deploymentId).values()]
        .sort((a, b) => (a.targetId < b.targetId ? -1 : a.targetId > b.targetId ? 1 : 0))
        .map(copy);
    },

    async putCommandWait(wait) {
      commands.set(wait.commandId, copy(wait));
    },
    async getCommandWait(id) {
      const wait = commands.get(id);
      return wait && copy(wait);
    },
    async deleteCommandWait(id) {
      commands.delete(id);
    },
    async takeCommandWait(id) {
      const wait = commands.get(id);
      commands.delete(id);
      return wait && copy(wait);
    },

    async putInstanceQueue(deploymentId, entries) {
      for (const entry of entries) {
        const key = queueKey(deploymentId, entry.wave, entry.healthy);
        let queue = queues.get(key);
        if (!queue) queues.set(key, (queue = { entries: [], sorted: true, removed: new Set(), head: 0 }));
        const last = queue.entries[queue.entries.length - 1];
        if (last && last.position >= entry.position) queue.sorted = false;
        queue.removed.delete(entry.position);
        queue.entries.push(copy(entry));
      }
    },
    async peekInstanceQueue(deploymentId, wave, healthy, limit) {
      const queue = queues.get(queueKey(deploymentId, wave, healthy));
      if (!queue || limit <= 0) return [];
      if (!queue.sorted) {
        // Keyed by position, as the table is: a position put twice holds the last entry put.
        const byPosition = new Map(queue.entries.map((entry) => [entry.position, entry]));
        queue.entries = [...byPosition.values()].sort((a, b) => a.position - b.position);
        queue.sorted = true;
        queue.head = 0;
      }
      while (queue.head < queue.entries.length && queue.removed.has(queue.entries[queue.head]!.position)) {
        queue.head++;
      }
      const front: InstanceQueueEntry[] = [];
      for (let k = queue.head; k < queue.entries.length && front.length < limit; k++) {
        const entry = queue.entries[k]!;
        if (!queue.removed.has(entry.position)) front.push(copy(entry));
      }
      return front;
    },
    async removeFromInstanceQueue(deploymentId, entries) {
      for (const entry of entries) {
        queues.get(queueKey(deploymentId, entry.wave, entry.healthy))?.removed.add(entry.position);
      }
    },
    async putBatchChunks(list) {
      for (const chunk of list) {
        const key = `${chunk.deploymentId}\n${chunk.batchNumber}`;
        let map = chunks.get(key);
        if (!map) chunks.set(key, (map = new Map()));
        map.set(chunk.chunk, copy(chunk));
      }
    },
    async listBatchChunks(deploymentId, batchNumber) {
      return [...(chunks.get(`${deploymentId}\n${batchNumber}`)?.values() ?? [])]
        .sort((a, b) => a.chunk - b.chunk)
        .map(copy);
    },
    async recordChunkCommand(deploymentId, batchNumber, chunk, name, commandId) {
      const stored = chunks.get(`${deploymentId}\n${batchNumber}`)?.get(chunk);
      if (!stored)
        throw new Error(`ConditionalCheckFailedException: no chunk ${chunk} of batch ${batchNumber}`);
      stored.commands[name] = commandId;
    },
    async openEventWait(deploymentId, batchNumber, name, taskToken, startedAt) {
      const key = eventKey(deploymentId, batchNumber, name);
      const stored = events.get(key) ?? {
        deploymentId,
        batchNumber,
        lifecycleEventName: name,
        taskToken,
        pending: 0,
        allSent: false,
        startedAt,
      };
      stored.taskToken = taskToken;
      events.set(key, stored);
      return copy(stored);
    },
    async getEventWait(deploymentId, batchNumber, name) {
      const stored = events.get(eventKey(deploymentId, batchNumber, name));
      return stored && copy(stored);
    },
    async addEventCommand(deploymentId, batchNumber, name) {
      event(deploymentId, batchNumber, name).pending += 1;
    },
    async eventCommandDone(deploymentId, batchNumber, name) {
      const stored = event(deploymentId, batchNumber, name);
      stored.pending -= 1;
      return copy(stored);
    },
    async markEventSent(deploymentId, batchNumber, name) {
      const stored = event(deploymentId, batchNumber, name);
      stored.allSent = true;
      return copy(stored);
    },
  };
}

/** A page of an in-memory listing: the token is the offset of its first item. */
function offsetPage<T>(items: readonly T[], page: PageRequest): Page<T> {
  const start = page.nextToken === undefined ? 0 : Number(page.nextToken);
  const end = start + page.limit;
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: String(end) } : {}) };
}
