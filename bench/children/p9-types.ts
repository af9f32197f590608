/** P9's worker-isolated types, loaded through JOBVISOR_TYPES like a user's module. */
import { defineJobType, z } from '../../src/index.ts'

export default [
  defineJobType({
    name: 'limited.noop',
    description: '`noop` in-process, at most 2 at once: the engine path of a type with a concurrency limit',
    concurrency: 2,
    params: z.strictObject({}),
    run: async () => null,
  }),
  defineJobType({
    name: 'worker.noop',
    description: '`noop` in a worker thread: the cost of the isolation itself',
    isolation: 'worker',
    params: z.strictObject({}),
    run: async () => null,
  }),
  defineJobType({
    name: 'worker.spin',
    description: 'Spins on the CPU until its thread is terminated',
    isolation: 'worker',
    params: z.strictObject({}),
    async run() {
      for (;;) {
        // never yields: ends only when the job is forced and its thread terminated
      }
    },
  }),
]
