/**
 * P5's references, together in one process: N plain `setInterval(fn, 1000)` timers with phases
 * spread over the second like the jobvisor schedules, and N croner jobs `new Cron('* * * * * *')`.
 * Each records its own lateness (Date.now() − due, as jobvisor's ms timestamps) for D seconds.
 */
import { Cron } from 'croner'
import { sleep } from '../lib/stats.ts'
import { runMain } from './ipc.ts'

const [countArg = '1000', secondsArg = '60'] = process.argv.slice(2)
const count = Number(countArg)
const seconds = Number(secondsArg)

runMain(async () => {
  const base = Math.ceil((Date.now() + 1000) / 1000) * 1000
  const interval: number[][] = Array.from({ length: count }, () => [])
  const cron: number[][] = Array.from({ length: count }, () => [])
  const timers: NodeJS.Timeout[] = []
  for (let i = 0; i < count; i++) {
    const phase = base + Math.floor((i * 1000) / count)
    let k = 0
    const tick = () => {
      const runs = interval[i] as number[]
      if (runs.length < seconds) runs.push(Date.now() - (phase + k * 1000))
      k++
    }
    // The naive pattern: wait for the phase once, then setInterval — Node re-arms from the callback.
    timers.push(
      setTimeout(() => {
        tick()
        timers.push(setInterval(tick, 1000))
      }, phase - Date.now()),
    )
  }
  const crons: Cron[] = []
  const cronStart = base
  for (let i = 0; i < count; i++) {
    crons.push(
      new Cron('* * * * * *', { startAt: new Date(cronStart) }, () => {
        const now = Date.now()
        const runs = cron[i] as number[]
        if (runs.length < seconds) runs.push(now - Math.round(now / 1000) * 1000)
      }),
    )
  }
  await sleep(base - Date.now() + seconds * 1000 + 200)
  for (const t of timers) clearTimeout(t)
  for (const c of crons) c.stop()
  return { interval, cron }
})
