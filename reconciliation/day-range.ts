/**
 * Whether `day` is a real UTC calendar day written YYYY-MM-DD (2026-02-30 is not).
 *
 * @example isCalendarDay('2026-11-30') // true
 */
export function isCalendarDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const time = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === day;
}
