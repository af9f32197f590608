import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.ts'

const failure = (env: Record<string, string>) => {
  try {
    loadConfig(env)
  } catch (err) {
    return err
  }
  throw new Error('expected the configuration to be refused')
}

describe('config (SPEC §8): new settings are validated and named', () => {
  it('JOBVISOR_COMMAND_ENV: a list of names and NAME_* families, none by default', () => {
    expect(loadConfig({}).JOBVISOR_COMMAND_ENV).toEqual([])
    expect(loadConfig({ JOBVISOR_COMMAND_ENV: ' TZ, BACKUP_* ,' }).JOBVISOR_COMMAND_ENV).toEqual([
      'TZ',
      'BACKUP_*',
    ])
  })

  it.each(['LD_PRELOAD', 'TZ,glibc_tunables', 'GCONV_PATH', 'NODE_PATH', 'HOME', 'A=B'])(
    'JOBVISOR_COMMAND_ENV=%s is refused, naming the variable',
    (value) => {
      const err = failure({ JOBVISOR_COMMAND_ENV: value })
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toContain('JOBVISOR_COMMAND_ENV')
    },
  )

  it('JOBVISOR_MIN_INTERVAL_MS: default 100, not below the 10 ms hard floor', () => {
    expect(loadConfig({}).JOBVISOR_MIN_INTERVAL_MS).toBe(100)
    expect((failure({ JOBVISOR_MIN_INTERVAL_MS: '5' }) as Error).message).toContain(
      'JOBVISOR_MIN_INTERVAL_MS',
    )
  })

  it('JOBVISOR_REQUEST_TIMEOUT_MS: default 30 s, a bad value names the variable', () => {
    expect(loadConfig({}).JOBVISOR_REQUEST_TIMEOUT_MS).toBe(30_000)
    for (const value of ['0', 'soon', '-1'])
      expect((failure({ JOBVISOR_REQUEST_TIMEOUT_MS: value }) as Error).message).toContain(
        'JOBVISOR_REQUEST_TIMEOUT_MS',
      )
  })
})
