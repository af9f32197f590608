// A types module, as `JOBVISOR_TYPES=./examples/job-types.mjs npx jobvisor` or createJobvisor's
// `types` loads it: its default export is the list of types it defines (SPEC §9).
import { createHash } from 'node:crypto'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { defineJobType, z } from 'jobvisor'

/** In-process: work that mostly waits belongs on the event loop, next to HTTP and timers. */
export const greet = defineJobType({
  name: 'example.greet',
  description: 'Waits `delayMs`, then greets; runs on the service’s event loop',
  params: z.object({
    name: z.string().min(1).max(100),
    delayMs: z.number().int().min(0).max(60_000).default(500),
  }),
  async run({ name, delayMs }, ctx) {
    await ctx.sleep(delayMs) // rejects with a CancelledError/TimeoutError if the job is stopped
    ctx.log.info({ name }, 'greeted')
    return { greeting: `Hello, ${name}!` }
  },
})

/**
 * Worker-isolated: CPU-bound work runs in a worker thread, so it cannot freeze the service.
 * Hashes a generated buffer `rounds` times with SHA-256, each round over the previous digest
 * mixed into the buffer (a key-stretching loop). Between rounds it yields, which is when the
 * thread hears its signals; a loop that never yields is ended by terminating its thread instead.
 */
export const hash = defineJobType({
  name: 'example.hash',
  description: 'SHA-256 over a generated buffer, `rounds` times, with progress; in a worker thread',
  isolation: 'worker',
  timeoutMs: 120_000,
  params: z.object({
    sizeMiB: z.number().int().min(1).max(64).default(8),
    rounds: z.number().int().min(1).max(10_000).default(20),
    seed: z.string().min(1).max(100).default('jobvisor'),
  }),
  async run({ sizeMiB, rounds, seed }, ctx) {
    const buffer = Buffer.alloc(sizeMiB * 1024 * 1024, seed) // the same params, the same digest
    let digest = Buffer.alloc(32)
    for (let round = 1; round <= rounds; round++) {
      digest = createHash('sha256').update(buffer).digest()
      digest.copy(buffer, (round * digest.length) % (buffer.length - digest.length))
      ctx.progress((round / rounds) * 100, `round ${round} of ${rounds}`)
      await yieldToEventLoop() // lets cancel/timeout messages in…
      ctx.signal.throwIfAborted() // …and ends the run with their reason
      if (ctx.stopSignal.aborted)
        return { sizeMiB, rounds: round, digest: digest.toString('hex'), stopped: true }
    }
    ctx.log.info({ sizeMiB, rounds }, 'hashed')
    return { sizeMiB, rounds, digest: digest.toString('hex'), stopped: false }
  },
})

export default [greet, hash]
