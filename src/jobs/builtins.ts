import type { CommandProcesses } from './processes/command-processes.ts'
import { JobTypeRegistry } from './registry.ts'
import { createCommandType } from './types/command.ts'
import { createHttpType } from './types/http.ts'
import { noop } from './types/noop.ts'
import { sleep } from './types/sleep.ts'

export interface BuiltinOptions {
  /** JOBVISOR_HTTP_ALLOW_PRIVATE */
  httpAllowPrivate: boolean
  /** JOBVISOR_COMMANDS: the only executables `command` may run; empty disables it. */
  commands: readonly string[]
  /** JOBVISOR_COMMAND_ENV: the variables a `command` job may set; absent or empty means none. */
  commandEnv?: readonly string[]
  /** SIGTERM → SIGKILL delay for `command` jobs (the cancel grace). */
  killGraceMs: number
  /** Records, contains and ends `command` runs' processes. */
  processes: CommandProcesses
}

/** A registry holding the four built-in types of SPEC §7. */
export function builtinRegistry(options: BuiltinOptions): JobTypeRegistry {
  return new JobTypeRegistry()
    .register(noop)
    .register(sleep)
    .register(createHttpType({ allowPrivate: options.httpAllowPrivate }))
    .register(
      createCommandType({
        allowed: options.commands,
        killGraceMs: options.killGraceMs,
        allowedEnv: options.commandEnv,
        processes: options.processes,
      }),
    )
}
