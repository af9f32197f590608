import type { MemorySample } from './server-watch.ts'
import type { MixStats } from './soak-mix.ts'
import { percentile } from './stats.ts'
import { renderSvg } from './svg-plot.ts'

const MiB = 2 ** 20

/** P10's plot: the server's memory over time above the request latency per slice. */
export function soakPlot(
  title: string,
  samples: MemorySample[],
  mix: MixStats,
  sliceS: number,
  warmupS: number,
) {
  const slice = (q: number) =>
    mix.slices.map((l, k): [number, number] => [k * sliceS, percentile(l ?? [], q)]).filter(([, v]) => v >= 0)
  return renderSvg(
    title,
    [
      {
        title: 'server memory (GET /metrics)',
        unit: 'MiB',
        series: [
          { label: 'RSS', color: '#1f77b4', points: samples.map((s) => [s.t, s.rssBytes / MiB]) },
          { label: 'heap used', color: '#2ca02c', points: samples.map((s) => [s.t, s.heapUsedBytes / MiB]) },
          { label: 'external', color: '#9467bd', points: samples.map((s) => [s.t, s.externalBytes / MiB]) },
        ],
      },
      {
        title: `request latency per ${sliceS} s slice`,
        unit: 'ms',
        series: [
          { label: 'p99', color: '#d62728', points: slice(99), steps: true },
          { label: 'p50', color: '#ff7f0e', points: slice(50), steps: true },
        ],
      },
    ],
    mix.slices.length * sliceS,
    [{ x: warmupS, label: 'end of warm-up' }],
  )
}
