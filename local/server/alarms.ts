/**
 * The server's local alarms, as CloudWatch is to the steps (AlarmsPort): the 5xx-rate alarms on local
 * load balancers that `stepdeploy deploy --alarm-5xx-rate` creates (a local stand-in for a CloudWatch
 * alarm on an ALB's 5xx metric). A name with no local alarm is absent from the answer, as
 * DescribeAlarms leaves out alarms that do not exist.
 */
import type { AlarmState, AlarmsPort } from '../../functions/ports/alarms.js';
import type { LoadBalancerAlarm } from '../load-balancer/thread.js';

export class LocalAlarms implements AlarmsPort {
  private readonly alarms = new Map<string, LoadBalancerAlarm>();

  constructor(private readonly onStateChange: (name: string, state: AlarmState) => void | Promise<unknown>) {}

  /** Adds (or replaces) an alarm, starts it, and forwards its changes as EventBridge would. */
  async add(alarm: LoadBalancerAlarm): Promise<void> {
    const previous = this.alarms.get(alarm.name);
    if (previous && previous !== alarm) await previous.stop().catch(() => undefined);
    this.alarms.set(alarm.name, alarm);
    alarm.onStateChange((name, state) => this.onStateChange(name, state));
    await alarm.start();
  }

  has(name: string): boolean {
    return this.alarms.has(name);
  }

  async describeAlarms(alarmNames: readonly string[]): Promise<Map<string, AlarmState>> {
    const states = new Map<string, AlarmState>();
    for (const name of alarmNames) {
      const alarm = this.alarms.get(name);
      if (alarm) states.set(name, await alarm.state());
    }
    return states;
  }

  async close(): Promise<void> {
    for (const alarm of this.alarms.values()) await alarm.stop().catch(() => undefined);
    this.alarms.clear();
  }
}
