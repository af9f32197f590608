import { getEventListeners } from 'node:events'
import { readFileSync } from 'node:fs'
import { pino } from 'pino'
import { expect } from 'vitest'
import { CommandProcesses } from '../../../src/jobs/processes/command-processes.ts'
import { type CommandTypeOptions, createCommandType } from '../../../src/jobs/types/command.ts'
import { createFakeContext, type FakeContext } from '../../helpers/fake-context.ts'

/** `sh` is listed only as an executable taking arguments; it still runs with shell: false. */
export const allowed = ['sh', 'node', 'sleep']

/** Process groups only, unrecorded: what the command type does without a store. */
export const untracked = (killGraceMs = 300) =>
  new CommandProcesses({
    store: null,
    owner: 'test',
    logger: pino({ level: 'silent' }),
    containment: 'group',
    killGraceMs,
  })

/** Parses and runs one `command` job; whatever the outcome, checks that no listener is left. */
export async function runCommand(
  input: Record<string, unknown>,
  options: Partial<CommandTypeOptions> = {},
  fake: FakeContext = createFakeContext(),
) {
  const type = createCommandType({
    allowed,
    killGraceMs: 300,
    processes: untracked(options.killGraceMs),
    ...options,
  })
  try {
    return await type.run(type.params.parse(input), fake.ctx)
  } finally {
    expect(getEventListeners(fake.ctx.signal, 'abort')).toHaveLength(0)
    expect(getEventListeners(fake.ctx.stopSignal, 'abort')).toHaveLength(0)
  }
}

/** Params for `node -e script`. */
export const node = (script: string, extra: Record<string, unknown> = {}) => ({
  command: 'node',
  args: ['-e', script],
  ...extra,
})

/** The logged lines of one stream, in order. */
export const messages = (fake: FakeContext, stream: 'stdout' | 'stderr') =>
  fake.lines.filter((l) => l.fields.stream === stream).map((l) => l.msg)

/** The pid the handler logged at start. */
export const startedPid = (fake: FakeContext) =>
  Number(fake.lines.find((l) => l.msg === 'command started')?.fields.pid)

/** Dead, or a zombie nobody reaped yet (the container's init may not reap orphans). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}
