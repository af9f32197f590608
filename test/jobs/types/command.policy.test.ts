import { describe, expect, it } from 'vitest'
import { JobFailedError } from '../../../src/jobs/errors.ts'
import { createCommandType } from '../../../src/jobs/types/command.ts'
import { createFakeContext, failure } from '../../helpers/fake-context.ts'
import { allowed, messages, node, runCommand, untracked } from './command-fixture.ts'

describe('command allow list', () => {
  it('refuses every command when nothing is allowed', async () => {
    const err = await failure(runCommand({ command: 'sh', args: ['-c', 'true'] }, { allowed: [] }))
    expect(err).toBeInstanceOf(JobFailedError)
    expect(err).toMatchObject({ code: 'command_not_allowed' })
    expect((err as Error).message).toContain('disabled')
  })

  it.each(['ls', '/bin/sleep', 'sleep ', './sleep', 'SH'])(
    'refuses %j, which is not listed verbatim',
    async (command) => {
      expect(await failure(runCommand({ command }))).toMatchObject({ code: 'command_not_allowed' })
    },
  )

  it('rejects a relative path in the configuration', () => {
    expect(() =>
      createCommandType({ allowed: ['bin/tool'], killGraceMs: 100, processes: untracked() }),
    ).toThrow(/bin\/tool/)
  })

  it('reports a listed executable that does not exist as spawn_failed', async () => {
    const err = await failure(
      runCommand({ command: 'jobvisor-no-such-binary' }, { allowed: ['jobvisor-no-such-binary'] }),
    )
    expect(err).toMatchObject({ code: 'spawn_failed' })
  })

  it('reports a missing cwd as such, not as a missing executable', async () => {
    const err = await failure(runCommand(node('1', { cwd: '/nonexistent/dir' })))
    expect(err).toMatchObject({
      code: 'cwd_not_found',
      message: 'working directory /nonexistent/dir does not exist',
    })
  })

  it('reports a cwd that is a file as not a directory', async () => {
    const err = await failure(runCommand(node('1', { cwd: '/etc/hostname' })))
    expect(err).toMatchObject({
      code: 'cwd_not_found',
      message: 'working directory /etc/hostname is not a directory',
    })
  })
})

describe('command params', () => {
  const { params } = createCommandType({
    allowed,
    killGraceMs: 100,
    allowedEnv: ['FOO', 'APP_*'],
    processes: untracked(),
  })
  it.each([
    [{ command: 'node' }, true],
    [{ command: '' }, false],
    [{ command: 'node', args: ['a\0b'] }, false],
    [{ command: 'node', args: Array(1001).fill('x') }, false],
    [{ command: 'node', cwd: 'relative/dir' }, false],
    [{ command: 'node', cwd: '/tmp' }, true],
    [{ command: 'node', env: { FOO: 'bar' } }, true],
    [{ command: 'node', env: { APP_MODE: 'x', APP_: 'y' } }, true],
    [{ command: 'node', env: { foo: 'bar' } }, false], // names are case-sensitive, as the kernel's are
    [{ command: 'node', env: { BAR: 'x' } }, false], // not listed
    [{ command: 'node', env: { PATH: '/tmp/evil' } }, false],
    [{ command: 'node', env: { HOME: '/tmp/evil' } }, false],
    [{ command: 'node', env: { ld_preload: '/tmp/x.so' } }, false],
    [{ command: 'node', env: { LD_PRELOAD: '/tmp/x.so' } }, false],
    [{ command: 'node', env: { NODE_OPTIONS: '--require /tmp/x.js' } }, false],
    [{ command: 'node', env: { 'A=B': 'x' } }, false],
  ])('%j valid: %s', (input, valid) => {
    expect(params.safeParse(input).success).toBe(valid)
  })
})

describe('command env allow-list (JOBVISOR_COMMAND_ENV)', () => {
  it('refuses any variable when nothing is listed, naming the setting', () => {
    const { params } = createCommandType({ allowed, killGraceMs: 100, processes: untracked() })
    const parsed = params.safeParse({ command: 'node', env: { FOO: 'bar' } })
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['env', 'FOO'] })
    expect(parsed.error?.issues[0]?.message).toContain('JOBVISOR_COMMAND_ENV')
  })

  it.each([
    'LD_PRELOAD',
    'ld_preload',
    'LD_*',
    'DYLD_INSERT_LIBRARIES',
    'GCONV_PATH',
    'GLIBC_TUNABLES',
    'NODE_PATH',
    'NODE_OPTIONS',
    'HOME',
    'PATH',
    'PYTHONPATH',
    'BASH_ENV',
    'JAVA_TOOL_OPTIONS',
    'GIT_SSH_COMMAND',
    'N*', // covers NODE_OPTIONS
    '*',
    'A-B',
  ])('will not let the operator list %s', (entry) => {
    expect(() =>
      createCommandType({ allowed, killGraceMs: 100, allowedEnv: [entry], processes: untracked() }),
    ).toThrow(/JOBVISOR_COMMAND_ENV/)
  })

  it('lets the operator list harmless names and families', () => {
    const { params } = createCommandType({
      allowed,
      killGraceMs: 100,
      allowedEnv: ['NODE_ENV', 'BACKUP_*', 'TZ'],
      processes: untracked(),
    })
    expect(
      params.safeParse({ command: 'node', env: { NODE_ENV: 'production', BACKUP_BUCKET: 'b', TZ: 'UTC' } })
        .success,
    ).toBe(true)
  })
})

describe('command environment and arguments', () => {
  it('passes arguments literally, without a shell', async () => {
    const fake = createFakeContext()
    const args = ['$HOME', '*', '; echo pwned', '`id`', '"quoted"']
    const script = 'console.log(JSON.stringify(process.argv.slice(1)))'
    await runCommand({ command: 'node', args: ['-e', script, ...args] }, {}, fake)
    expect(JSON.parse(String(messages(fake, 'stdout')[0]))).toEqual(args)
  })

  it('gives the child a minimal environment, not the service one', async () => {
    process.env.JOBVISOR_TEST_SECRET = 'do-not-leak'
    try {
      const fake = createFakeContext()
      await runCommand(
        node('console.log(JSON.stringify(process.env))', { env: { FOO: 'bar' } }),
        { allowedEnv: ['FOO'] },
        fake,
      )
      const env = JSON.parse(String(messages(fake, 'stdout')[0]))
      expect(Object.keys(env).sort()).toEqual(
        ['FOO', 'HOME', 'LANG', 'PATH'].filter((k) => k === 'FOO' || process.env[k] !== undefined),
      )
      expect(env.FOO).toBe('bar')
    } finally {
      delete process.env.JOBVISOR_TEST_SECRET
    }
  })
})
