import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlarmState } from '../../../functions/ports/alarms.js';
import { SimulatedAlarms } from '../../../local/simulated/alarms.js';
import { deferred, ManualTimers } from './manual-timers.js';

type Notification = [string, AlarmState, AlarmState];

describe('SimulatedAlarms', () => {
  let timers: ManualTimers;
  let alarms: SimulatedAlarms;
  let notifications: Notification[];

  beforeEach(() => {
    timers = new ManualTimers();
    alarms = new SimulatedAlarms(timers);
    alarms.define('errors');
    alarms.define('latency', 'INSUFFICIENT_DATA');
    notifications = [];
    alarms.onStateChange((name, newState, oldState) => {
      notifications.push([name, newState, oldState]);
    });
  });

  describe('describeAlarms', () => {
    it('returns the defined alarms only, OK by default', async () => {
      expect(await alarms.describeAlarms(['errors', 'latency', 'unknown'])).toEqual(
        new Map<string, AlarmState>([
          ['errors', 'OK'],
          ['latency', 'INSUFFICIENT_DATA'],
        ]),
      );
      expect(await alarms.describeAlarms([])).toEqual(new Map());
    });

    it('fails the next N calls with ThrottlingError, then answers again', async () => {
      alarms.failNextDescribe(2);
      await expect(alarms.describeAlarms(['errors'])).rejects.toMatchObject({
        name: 'ThrottlingError',
        code: 'Throttling',
      });
      await expect(alarms.describeAlarms(['errors'])).rejects.toMatchObject({ name: 'ThrottlingError' });
      expect(await alarms.describeAlarms(['errors'])).toEqual(new Map([['errors', 'OK']]));
    });
  });

  describe('setState', () => {
    it('records and notifies a real change with the new and the old state', async () => {
      expect(alarms.setState('errors', 'ALARM')).toBe(true);
      await timers.idle();
      expect(notifications).toEqual([['errors', 'ALARM', 'OK']]);
      expect(alarms.stateChanges()).toEqual([
        { at: timers.now(), alarmName: 'errors', oldState: 'OK', newState: 'ALARM' },
      ]);
      expect(await alarms.describeAlarms(['errors'])).toEqual(new Map([['errors', 'ALARM']]));
    });

    it('neither records nor notifies a set to the current state', async () => {
      expect(alarms.setState('errors', 'OK')).toBe(false);
      alarms.setState('latency', 'ALARM');
      expect(alarms.setState('latency', 'ALARM')).toBe(false);
      await timers.idle();
      expect(notifications).toEqual([['latency', 'ALARM', 'INSUFFICIENT_DATA']]);
      expect(alarms.stateChanges()).toHaveLength(1);
    });

    it('delivers after setState returns, in order, and tracks the listener work', async () => {
      const done = deferred();
      alarms.onStateChange(() => done.promise);
      alarms.setState('errors', 'ALARM');
      alarms.setState('errors', 'OK');
      expect(notifications).toEqual([]);
      expect(timers.busyCount).toBeGreaterThan(0);

      await vi.waitFor(() => expect(notifications).toHaveLength(2));
      expect(notifications).toEqual([
        ['errors', 'ALARM', 'OK'],
        ['errors', 'OK', 'ALARM'],
      ]);
      expect(timers.busyCount).toBeGreaterThan(0);
      done.resolve();
      await timers.idle();
      expect(timers.busyCount).toBe(0);
    });

    it('reports a failing listener without failing the change or the other listeners', async () => {
      const onListenerError = vi.fn();
      alarms = new SimulatedAlarms(timers, { onListenerError });
      alarms.define('errors');
      const boom = new Error('token gone');
      alarms.onStateChange(async () => {
        throw boom;
      });
      const other = vi.fn();
      alarms.onStateChange(other);

      expect(alarms.setState('errors', 'ALARM')).toBe(true);
      await timers.idle();

      expect(onListenerError).toHaveBeenCalledWith(boom);
      expect(other).toHaveBeenCalledWith('errors', 'ALARM', 'OK');
    });

    it('stops notifying a listener that unsubscribed', async () => {
      const listener = vi.fn();
      const unsubscribe = alarms.onStateChange(listener);
      unsubscribe();
      alarms.setState('errors', 'ALARM');
      await timers.idle();
      expect(listener).not.toHaveBeenCalled();
    });

    it('rejects an unknown alarm and an unknown state, changing nothing', async () => {
      expect(() => alarms.setState('unknown', 'ALARM')).toThrow(
        expect.objectContaining({ name: 'ResourceNotFoundError' }),
      );
      expect(() => alarms.setState('errors', 'BROKEN' as AlarmState)).toThrow(
        expect.objectContaining({ name: 'InvalidParameterValueError' }),
      );
      await timers.idle();
      expect(await alarms.describeAlarms(['errors', 'unknown'])).toEqual(new Map([['errors', 'OK']]));
      expect(notifications).toEqual([]);
    });
  });

  describe('define', () => {
    it('does not notify: creating an alarm is not a state change', async () => {
      alarms.define('throttles', 'ALARM');
      await timers.idle();
      expect(notifications).toEqual([]);
    });

    it('refuses to define an alarm twice', async () => {
      expect(() => alarms.define('errors', 'ALARM')).toThrow(
        expect.objectContaining({ name: 'ResourceConflictError' }),
      );
      expect(await alarms.describeAlarms(['errors'])).toEqual(new Map([['errors', 'OK']]));
    });
  });

  describe('setStateAt', () => {
    it('changes the state that many milliseconds of simulation time from now', async () => {
      const start = timers.now().getTime();
      await timers.advance(10_000);
      alarms.setStateAt('errors', 'ALARM', 60_000);

      await timers.advance(59_999);
      expect(await alarms.describeAlarms(['errors'])).toEqual(new Map([['errors', 'OK']]));
      expect(notifications).toEqual([]);

      await timers.advance(1);
      expect(await alarms.describeAlarms(['errors'])).toEqual(new Map([['errors', 'ALARM']]));
      expect(notifications).toEqual([['errors', 'ALARM', 'OK']]);
      expect(alarms.stateChanges()[0]?.at).toEqual(new Date(start + 70_000));
    });

    it('can be cancelled', async () => {
      const cancel = alarms.setStateAt('errors', 'ALARM', 1_000);
      cancel();
      await timers.advance(5_000);
      expect(await alarms.describeAlarms(['errors'])).toEqual(new Map([['errors', 'OK']]));
    });

    it('checks its arguments when scheduling, not when firing', () => {
      expect(() => alarms.setStateAt('unknown', 'ALARM', 1_000)).toThrow(
        expect.objectContaining({ name: 'ResourceNotFoundError' }),
      );
      expect(() => alarms.setStateAt('errors', 'ALARM', -1)).toThrow(RangeError);
      expect(timers.pendingTimers).toBe(0);
    });
  });
});
