import { isIP } from 'node:net'
import type { Config } from './config.ts'

const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'))

/**
 * SPEC §8 secure default: without tokens, only loopback — unless auth is explicitly off. Shared
 * by server.ts (which exits 2 on a refusal) and createJobvisor's start() (which throws).
 */
export function checkBind(config: Config): { refusal: string } | { warning: string } | null {
  if (config.JOBVISOR_TOKENS.length > 0 || isLoopback(config.JOBVISOR_HOST)) return null
  if (config.JOBVISOR_AUTH !== 'off') {
    return {
      refusal:
        'refusing a non-loopback JOBVISOR_HOST without JOBVISOR_TOKENS; set tokens, or JOBVISOR_AUTH=off to run open',
    }
  }
  return { warning: 'JOBVISOR_AUTH=off: anyone who reaches this port can run jobs' }
}
