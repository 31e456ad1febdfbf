/**
 * A zone whose wall clock is at least an hour from midnight right now. The collector does not
 * read the meter's day history within 20 minutes of local midnight (its date and the meter's
 * may differ then, issue 15), so tests that wait for history through the built CLI run in such
 * a zone and behave the same whatever the hour of the run.
 */
export function awayFromMidnight(now = Date.now()): string {
  for (const tz of ['Asia/Tokyo', 'UTC']) {
    const hour = Number(
      new Intl.DateTimeFormat('en-US', { timeZone: tz, hour: 'numeric', hourCycle: 'h23' }).format(now),
    );
    if (hour >= 1 && hour <= 22) return tz;
  }
  throw new Error('unreachable: Tokyo and UTC are nine hours apart');
}
