export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmsPort {
  /** States of the named alarms; names with no alarm are absent from the result. */
  describeAlarms(alarmNames: readonly string[]): Promise<Map<string, AlarmState>>;
}
