import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import type { BusMessage } from '../../src/store/bus.ts'
import type { Queryable } from '../../src/store/postgres/db.ts'
import { openPostgres, type PostgresStore } from '../../src/store/postgres/index.ts'
import { Peers } from '../../src/store/postgres/peers.ts'
import { freshDatabase, postgresAvailable } from '../helpers/postgres.ts'
import { waitFor } from '../helpers/wait-for.ts'

const available = await postgresAvailable()

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})))
})

async function store(url: string): Promise<PostgresStore> {
  // No periodic count: only hellos and the test's own counts change what an instance believes.
  const s = await openPostgres(url, { poolSize: 2, peerCheckMs: 3_600_000 })
  open.push(s)
  return s
}

/** Every notification on the channel, seen by a connection that is not an instance's. */
async function observe(url: string): Promise<BusMessage[]> {
  const seen: BusMessage[] = []
  const client = new pg.Client({ connectionString: url, application_name: 'test-observer' })
  await client.connect()
  client.on('notification', (n) => {
    const message = JSON.parse(n.payload ?? '{}') as BusMessage & { hello?: true }
    if (!message.hello) seen.push(message)
  })
  await client.query('LISTEN jobvisor')
  open.push({ close: () => client.end() })
  return seen
}

const signal = (id: string): [string, string, string, null, null, null] => [
  'job:finished',
  id,
  'succeeded',
  null,
  null,
  null,
]

describe.skipIf(available !== true)('instances find each other before they notify (PostgreSQL)', () => {
  it('an instance alone sends nothing; one that starts says hello and is told at once; one that leaves is counted out', async () => {
    const url = await freshDatabase()
    const seen = await observe(url)
    const a = await store(url)
    await a.bus.checkPeers()
    expect(a.bus.peersPresent).toBe(false)
    a.bus.publishJob(signal('alone'))

    const b = await store(url)
    const heard: BusMessage[] = []
    b.bus.subscribe((m) => {
      if (m !== 'resync') heard.push(m)
    })
    // b's hello reached a: it publishes again, with no count in between.
    await waitFor(() => a.bus.peersPresent)
    a.bus.publishJob(signal('together'))
    await waitFor(() => heard.length > 0)
    expect(heard.flatMap((m) => m.jobs.map((j) => j[1]))).toEqual(['together'])
    // Nothing of what a published alone went out (the observer, not an instance, does not count).
    expect(seen.flatMap((m) => m.jobs.map((j) => j[1]))).toEqual(['together'])

    await b.close()
    await a.bus.checkPeers()
    expect(a.bus.peersPresent).toBe(false)
  })
})

describe('Peers: what a count of listening connections means', () => {
  const counting = (n: number | Error): Queryable => ({
    query: async <R extends object>() => {
      if (n instanceof Error) throw n
      return [{ n }] as unknown as R[]
    },
  })

  it('the count includes this instance only while its own listening connection is up', async () => {
    const up = new Peers(counting(1), () => true, 3_600_000)
    await up.check()
    expect(up.present).toBe(false)
    // Its own connection is down (reconnecting): the one listener counted is another instance.
    const down = new Peers(counting(1), () => false, 3_600_000)
    await down.check()
    expect(down.present).toBe(true)
    const two = new Peers(counting(2), () => true, 3_600_000)
    await two.check()
    expect(two.present).toBe(true)
  })

  it('a failed count assumes peers; a hello during a count wins over it', async () => {
    const failing = new Peers(counting(new Error('down')), () => true, 3_600_000)
    await failing.check()
    expect(failing.present).toBe(true)
    let answer: (rows: { n: number }[]) => void = () => {}
    const slow: Queryable = {
      query: <R extends object>() =>
        new Promise<R[]>((resolve) => {
          answer = (rows) => resolve(rows as unknown as R[])
        }),
    }
    const peers = new Peers(counting(1), () => true, 3_600_000)
    await peers.check()
    expect(peers.present).toBe(false)
    const raced = new Peers(slow, () => true, 3_600_000)
    const check = raced.check()
    await new Promise((resolve) => setImmediate(resolve))
    raced.arrived()
    answer([{ n: 1 }]) // a count taken before the hello's sender listened
    await check
    expect(raced.present).toBe(true)
  })
})
