/** Sends the child's result to the bench runner, then exits (the runner waits for the exit). */
export function reply(value: unknown): Promise<never> {
  return new Promise(() => {
    if (!process.send) {
      process.stdout.write(`${JSON.stringify(value)}\n`)
      process.exit(0)
    }
    process.send(value, () => process.exit(0))
  })
}

/** Runs `main` and reports a failure on stderr with exit code 1. */
export function runMain(main: () => Promise<unknown>): void {
  main().then(
    (value) => reply(value),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exit(1)
    },
  )
}
