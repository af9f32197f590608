import { describe, expect, it } from 'vitest'
import { JobFailedError } from '../../../src/jobs/errors.ts'
import { createFakeContext, failure, waitFor } from '../../helpers/fake-context.ts'
import { isGone, messages, node, runCommand } from './command-fixture.ts'

describe('command run', () => {
  it('copies stdout and stderr lines to the job log and returns the stdout tail', async () => {
    const fake = createFakeContext()
    const result = await runCommand(
      node("console.log('one\\ntwo'); console.error('oops'); process.stdout.write('last')"),
      {},
      fake,
    )
    expect(result).toEqual({ exitCode: 0, signal: null, stdoutTail: ['one', 'two', 'last'] })
    expect(messages(fake, 'stdout')).toEqual(['one', 'two', 'last'])
    expect(fake.lines.find((l) => l.msg === 'oops')).toMatchObject({
      level: 'warn',
      fields: { stream: 'stderr' },
    })
  })

  it('bounds the log at maxOutputLines but keeps draining and keeps the tail', async () => {
    const fake = createFakeContext()
    const result = await runCommand(
      node('for (let i = 1; i <= 50; i++) console.log(i)'),
      { maxOutputLines: 5 },
      fake,
    )
    expect(messages(fake, 'stdout')).toEqual(['1', '2', '3', '4', '5'])
    expect(fake.lines.filter((l) => l.msg === 'output truncated')).toHaveLength(1)
    expect(result.stdoutTail).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 31)))
  })

  it('splits a line that never ends into bounded pieces', async () => {
    const fake = createFakeContext()
    await runCommand(node("process.stdout.write('x'.repeat(20000))"), {}, fake)
    expect(messages(fake, 'stdout').map((m) => m?.length)).toEqual([8192, 8192, 3616])
  })

  it('fails with exit_code on a non-zero exit', async () => {
    const err = await failure(runCommand(node('process.exit(3)')))
    expect(err).toBeInstanceOf(JobFailedError)
    expect(err).toMatchObject({ code: 'exit_code' })
    expect((err as Error).message).toContain('3')
  })

  it('fails with signal when the process is killed', async () => {
    const err = await failure(runCommand({ command: 'sh', args: ['-c', 'kill -KILL $$'] }))
    expect(err).toMatchObject({ code: 'signal' })
    expect((err as Error).message).toContain('SIGKILL')
  })

  it('terminates what the process left running in its group when it exits', async () => {
    const fake = createFakeContext()
    await runCommand({ command: 'sh', args: ['-c', 'sleep 30 & echo $!'] }, {}, fake)
    const orphan = Number(messages(fake, 'stdout')[0])
    await waitFor(() => isGone(orphan), { what: `orphan ${orphan} to die` })
  })
})
