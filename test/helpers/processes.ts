import { readdirSync, readFileSync } from 'node:fs'
import { afterEach } from 'vitest'
import { readStat } from '../../src/jobs/processes/proc.ts'

/**
 * Live (non-zombie) `sleep <token>` processes, with their process group. Matched on the exact
 * argv, so the shell that started them (whose `-c` script also holds the token) is not counted.
 */
export function processesWith(token: string): { pid: number; pgrp: number }[] {
  const found: { pid: number; pgrp: number }[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    let argv: string[]
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }
    const stat = readStat(pid)
    const isSleeper = argv[0]?.endsWith('sleep') && argv[1] === token
    if (isSleeper && stat && stat.state !== 'Z') found.push({ pid, pgrp: stat.pgrp })
  }
  return found
}

/** A token unique to this test run, to find a test's processes among everything on the machine. */
export const uniqueToken = (): string => String(1_000_000 + Math.floor(Math.random() * 8_000_000))

const tokens = new Set<string>()
/** Registers `token` so its sleepers are SIGKILLed after the test, whatever the test left. */
export function killAfterTest(token: string): string {
  tokens.add(token)
  return token
}
afterEach(() => {
  for (const token of tokens) {
    for (const { pid } of processesWith(token)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
  }
  tokens.clear()
})
