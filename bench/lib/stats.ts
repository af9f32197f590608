/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number
}

export const median = (samples: readonly number[]) => percentile(samples, 50)

/** p50 / p99 / max of a sample set, with a key prefix: `{ 'x p50': …, 'x p99': …, 'x max': … }`. */
export function spread(prefix: string, samples: readonly number[]): Record<string, number> {
  return {
    [`${prefix} p50`]: percentile(samples, 50),
    [`${prefix} p99`]: percentile(samples, 99),
    [`${prefix} max`]: Math.max(...samples),
  }
}

/** High-resolution wall-clock time in epoch ms, comparable with the server's `Date.now()` stamps. */
export const wallNow = () => performance.timeOrigin + performance.now()

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
