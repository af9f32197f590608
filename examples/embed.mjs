// jobvisor embedded in a program (SPEC §9): the whole service, with this project's types added to
// the built-ins. `env` overrides process.env; every JOBVISOR_* variable still works.
//
//   node examples/embed.mjs          # then: curl -s localhost:3000/v1/job-types
import { createJobvisor } from 'jobvisor'

const jobvisor = await createJobvisor({
  // A module path (or file URL): a worker-isolated type must come from one, its thread imports it.
  types: [new URL('./job-types.mjs', import.meta.url)],
  env: { JOBVISOR_WORKERS: process.env.JOBVISOR_WORKERS ?? '2' },
})
const url = await jobvisor.start()
process.stdout.write(`jobvisor example listening on ${url}\n`)

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    // As the server does: drain the running jobs within the shutdown grace, then exit 0.
    jobvisor.stop().then(
      () => {
        process.stdout.write('jobvisor example stopped\n')
        process.exit(0)
      },
      (err) => {
        process.stderr.write(`jobvisor example failed to stop: ${err.stack}\n`)
        process.exit(1)
      },
    )
  })
}
