import { runChild } from '../lib/child.ts'
import type { Figures, Scenario } from '../lib/types.ts'

interface Memory {
  bytesPerJob: number
  heapBytesPerJob: number
  rampMs?: number
}

export const p6: Scenario = {
  name: 'p6',
  title: 'memory per in-flight job (sleep jobs running, engine API)',
  bar: '≤ 1.5× the bare promise + AbortController + timer figure (same run)',
  figures: [
    { key: 'jobvisor', label: 'jobvisor RSS per running job', unit: 'bytes' },
    { key: 'bare', label: 'bare promise+AbortController+timer RSS per job', unit: 'bytes' },
    { key: 'ratio', label: 'ratio jobvisor / bare', unit: '×' },
    { key: 'jobvisor heap', label: 'jobvisor JS heap per running job', unit: 'bytes' },
    { key: 'bare heap', label: 'bare JS heap per job', unit: 'bytes' },
    { key: 'ramp', label: 'jobvisor: time to have all jobs running', unit: 'ms' },
  ],
  checks: [{ label: 'RSS per job ≤ 1.5× bare', key: 'ratio', op: '<=', goal: 1.5 }],
  async run(ctx) {
    const count = ctx.quick ? 2000 : 100_000
    const warmup = ctx.quick ? 200 : 2000
    const runs: Figures[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const nodeFlags = ['--expose-gc']
      const jobvisor = await runChild<Memory>('p6-jobvisor.ts', {
        args: [ctx.tmp, String(count), String(warmup)],
        nodeFlags,
      })
      const bare = await runChild<Memory>('p6-bare.ts', { args: [String(count), String(warmup)], nodeFlags })
      runs.push({
        jobvisor: jobvisor.bytesPerJob,
        bare: bare.bytesPerJob,
        ratio: jobvisor.bytesPerJob / bare.bytesPerJob,
        'jobvisor heap': jobvisor.heapBytesPerJob,
        'bare heap': bare.heapBytesPerJob,
        ramp: jobvisor.rampMs ?? Number.NaN,
      })
      ctx.log(
        `run ${i + 1}: jobvisor ${Math.round(jobvisor.bytesPerJob)} B/job, bare ${Math.round(bare.bytesPerJob)} B/job`,
      )
    }
    const notes = [
      `${count} jobs, each side in its own child process with --expose-gc; RSS after three forced collections, over a baseline taken after a warm-up of ${warmup} short jobs. jobvisor: the whole service (createService) on a SQLite file, JOBVISOR_MAX_CONCURRENCY ${count}, \`sleep\` jobs of one hour created with \`engine.createMany\` in chunks of 1000; the figure is taken once all are \`running\`.`,
    ]
    return { runs, notes }
  },
}
