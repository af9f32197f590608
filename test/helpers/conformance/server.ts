import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { loadConfig } from '../../../src/config.ts'
import { createService, type Service } from '../../../src/service.ts'
import { isNode, type Node } from './arbitrary.ts'
import { type Answer, Contract, essence } from './contract.ts'
import type { Plan } from './requests.ts'

export const READ = 'readtoken-0123456789abcdef'
export const WRITE = 'writetoken-0123456789abcdef'

export interface Request {
  method: string
  path: string
  query?: [string, string][]
  headers?: Record<string, string>
  body?: Plan['body'] | Record<string, unknown>
  /** Bearer token; the write token by default, none with null. */
  token?: string | null
}

/**
 * A default service (built-in types, the committed document) with tokens, on loopback, with
 * pools of real ids so paths generated from the document reach real jobs and schedules.
 */
export class ConformanceServer {
  readonly pools = { job: [] as string[], schedule: [] as string[] }

  private constructor(
    readonly service: Service,
    readonly base: string,
    readonly contract: Contract,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<ConformanceServer> {
    const config = loadConfig({
      JOBVISOR_DB: ':memory:',
      JOBVISOR_TOKENS: `${READ}:read,${WRITE}:write`,
      JOBVISOR_GRACE_MS: '100',
      ...env,
    })
    const service = await createService(config, pino({ level: 'silent' }), { validateResponses: true })
    await service.app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
    const server = new ConformanceServer(
      service,
      base,
      new Contract(service.app.swagger() as unknown as Node),
    )
    await server.refill()
    return server
  }

  close(): Promise<void> {
    return this.service.shutdown(0)
  }

  /** Fresh records in several states, so ids in the next operation's paths reach real resources. */
  async refill(): Promise<void> {
    for (const input of [
      { type: 'noop' },
      { type: 'sleep', params: { ms: 3_600_000 } },
      { type: 'noop', delayMs: 86_400_000 },
    ])
      this.pools.job.push((await this.service.engine.create({ params: {}, priority: 0, ...input })).job.id)
    for (const paused of [false, true]) {
      const body = {
        name: `pool-${this.pools.schedule.length}`,
        trigger: { type: 'interval', every: '1h' },
        job: { type: 'noop' },
      }
      const id = JSON.parse((await this.send({ method: 'POST', path: '/v1/schedules', body })).body)
        .id as string
      if (paused) await this.send({ method: 'POST', path: `/v1/schedules/${id}/pause` })
      this.pools.schedule.push(id)
    }
  }

  async send(req: Request): Promise<Answer> {
    const url = new URL(req.path, this.base)
    for (const [k, v] of req.query ?? []) url.searchParams.append(k, v)
    const headers: Record<string, string> = { ...req.headers }
    if (req.token !== null) headers.authorization = `Bearer ${req.token ?? WRITE}`
    let body: string | undefined
    const planned = req.body as Plan['body']
    if (planned && 'raw' in planned) {
      body = planned.raw
      headers['content-type'] = planned.contentType
    } else if (planned !== undefined) {
      body = JSON.stringify('json' in planned ? planned.json : planned)
      headers['content-type'] = 'application/json'
    }
    const res = await fetch(url, { method: req.method, headers, body, signal: AbortSignal.timeout(10_000) })
    const contentType = essence(res.headers.get('content-type'))
    // An event stream never ends: its head is what is checked.
    if (contentType === 'text/event-stream') {
      await res.body?.cancel()
      return { status: res.status, contentType, headers: res.headers, body: '' }
    }
    return { status: res.status, contentType, headers: res.headers, body: await res.text() }
  }

  poolFor(path: string): string[] {
    return path.startsWith('/v1/schedules') ? this.pools.schedule : this.pools.job
  }

  /** The plan's path with its parameters: the newest few pool ids (older ones may be deleted) or literals. */
  concrete(plan: Plan): string {
    return plan.op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const given = plan.path[name]
      const recent = this.poolFor(plan.op.path).slice(-6)
      const value =
        given && 'literal' in given ? given.literal : (recent[(given?.pick ?? 0) % recent.length] ?? 'none')
      return encodeURIComponent(value)
    })
  }

  /** Ids of created resources, for later paths. */
  learn(plan: Plan, answer: Answer): void {
    if (answer.status >= 300 || !answer.contentType.endsWith('json')) return
    const found = JSON.parse(answer.body) as Node
    const pool = this.poolFor(plan.op.path)
    const add = (v: unknown) => {
      if (isNode(v) && typeof v.id === 'string' && !pool.includes(v.id)) pool.push(v.id)
    }
    add(found)
    if (Array.isArray(found.items)) found.items.slice(0, 3).forEach(add)
  }
}
