/** The calendar month (UTC) holding `now`: monthly quotas and usage reports share these bounds. */
export function utcMonth(now: Date | number): { start: number; end: number } {
  const d = new Date(now)
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
  return { start, end }
}
