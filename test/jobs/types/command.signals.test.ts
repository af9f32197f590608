import { describe, expect, it } from 'vitest'
import { CancelledError, TimeoutError } from '../../../src/jobs/errors.ts'
import { createFakeContext, failure, waitFor, waitForLine } from '../../helpers/fake-context.ts'
import { isGone, messages, node, runCommand, startedPid } from './command-fixture.ts'

describe('command cancel and stop', () => {
  it("kills the whole process group on abort and rejects with the signal's reason", async () => {
    const fake = createFakeContext()
    const reason = new CancelledError('job-test', 'test')
    const running = failure(
      runCommand({ command: 'sh', args: ['-c', 'sleep 30 & echo $!; sleep 30; wait'] }, {}, fake),
    )
    await waitFor(() => messages(fake, 'stdout').length === 1, { what: 'the grandchild pid' })
    const leader = startedPid(fake)
    const grandchild = Number(messages(fake, 'stdout')[0])
    fake.abort(reason)
    expect(await running).toBe(reason)
    await waitFor(() => isGone(leader) && isGone(grandchild), { what: 'the group to die' })
  })

  it('escalates to SIGKILL after killGraceMs when SIGTERM is ignored', async () => {
    const fake = createFakeContext()
    const reason = new TimeoutError('job-test', 10)
    const script =
      "process.on('SIGTERM', () => console.log('got SIGTERM')); console.log('ready'); setInterval(() => {}, 1000)"
    let settled = false
    const running = failure(runCommand(node(script), { killGraceMs: 500 }, fake)).finally(() => {
      settled = true
    })
    await waitForLine(fake, 'ready')
    fake.abort(reason)
    await waitForLine(fake, 'got SIGTERM')
    expect(settled).toBe(false) // still alive after SIGTERM: only the SIGKILL ends it
    expect(await running).toBe(reason)
    const pid = startedPid(fake)
    expect(isGone(pid)).toBe(true)
    expect(fake.lines.find((l) => l.msg === 'command exited')?.fields).toEqual({
      exitCode: null,
      signal: 'SIGKILL',
    })
  })

  it('lets a graceful stop finish the process normally', async () => {
    const fake = createFakeContext()
    const script =
      "process.on('SIGTERM', () => { console.log('finishing'); process.exit(0) }); console.log('ready'); setInterval(() => {}, 1000)"
    const running = runCommand(node(script), {}, fake)
    await waitForLine(fake, 'ready')
    fake.stop()
    await expect(running).resolves.toMatchObject({ exitCode: 0, stdoutTail: ['ready', 'finishing'] })
  })

  it('counts death by the graceful SIGTERM as a normal stop', async () => {
    const fake = createFakeContext()
    const running = runCommand({ command: 'sleep', args: ['30'] }, {}, fake)
    await waitForLine(fake, 'command started')
    fake.stop()
    await expect(running).resolves.toEqual({ exitCode: null, signal: 'SIGTERM', stdoutTail: [] })
  })

  it('does not spawn when the signal is already aborted', async () => {
    const fake = createFakeContext()
    const reason = new CancelledError('job-test')
    fake.abort(reason)
    expect(await failure(runCommand({ command: 'sleep', args: ['30'] }, {}, fake))).toBe(reason)
    expect(fake.lines).toEqual([])
  })
})
