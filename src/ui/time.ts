const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
]
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

/** "3 minutes ago", "in 5 seconds": the largest unit that fits. */
export function fromNow(iso: string, now = Date.now()): string {
  const diff = Date.parse(iso) - now
  for (const [unit, ms] of UNITS)
    if (Math.abs(diff) >= ms) return relative.format(Math.round(diff / ms), unit)
  return relative.format(0, 'second')
}

/** The instant in the browser's time zone and locale. */
export const localTime = (iso: string) => local.format(new Date(iso))

/** 90000 → "1.5 min", 250 → "250 ms". */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)} s`
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)} min`
  if (ms < 86_400_000) return `${+(ms / 3_600_000).toFixed(1)} h`
  return `${+(ms / 86_400_000).toFixed(1)} d`
}
