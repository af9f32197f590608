import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TERMINAL_STATES } from '../../src/model/job-state.ts'
import { openPostgres, type PostgresStore } from '../../src/store/postgres/index.ts'
import { CLAIM, PROMOTE } from '../../src/store/postgres/job-claim.ts'
import { DELETE_FINISHED } from '../../src/store/postgres/job-retention.ts'
import { TRANSITION_MANY } from '../../src/store/postgres/job-transition-batch.ts'
import { newJob, T0 } from '../helpers/new-job.ts'
import { freshDatabase, freshSchema, postgresAvailable } from '../helpers/postgres.ts'

const available = await postgresAvailable()

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  Alias?: string
  Plans?: PlanNode[]
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)]

// The hot statements' plans, custom and generic (a named statement switches to the generic plan
// after five runs): a scan of every job per batch costs more with every job kept, which no
// behaviour test notices.
describe.skipIf(available !== true)('plans of the PostgreSQL hot statements', () => {
  let store: PostgresStore
  const ids: string[] = []

  beforeAll(async () => {
    store = await openPostgres(await freshSchema(await freshDatabase()), { poolSize: 1 })
    const jobs = Array.from({ length: 20_000 }, () => newJob())
    for (let i = 0; i < jobs.length; i += 1000) await store.jobs.insertMany(jobs.slice(i, i + 1000))
    ids.push(...jobs.slice(0, 50).map((j) => j.id))
    // Some of every kind the periodic statements look for: finished, and scheduled.
    await store.db.query(`UPDATE jobs SET state = 'succeeded', finished_at = $1 WHERE id = ANY($2::text[])`, [
      T0,
      jobs.slice(1000, 2000).map((j) => j.id),
    ])
    await store.db.query(`UPDATE jobs SET state = 'scheduled', run_at = $1 WHERE id = ANY($2::text[])`, [
      T0,
      jobs.slice(2000, 2500).map((j) => j.id),
    ])
    await store.db.query('VACUUM ANALYZE jobs')
  })
  afterAll(() => store?.close())

  const literal = (v: string | number | string[]): string =>
    typeof v === 'number'
      ? String(v)
      : Array.isArray(v)
        ? `ARRAY[${v.map(literal).join(', ')}]::text[]`
        : `'${v.replaceAll("'", "''")}'`
  const plans = async (sql: string, params: (string | number | string[])[]): Promise<PlanNode[][]> => {
    const out: PlanNode[][] = []
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      const [row] = await store.db.tx(async (tx) => {
        await tx.query(`SET LOCAL plan_cache_mode = ${mode}`)
        await tx.query(`PREPARE plan_probe AS ${sql}`)
        const [plan] = await tx.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
          `EXPLAIN (FORMAT JSON) EXECUTE plan_probe(${params.map(literal).join(', ')})`,
        )
        await tx.query('DEALLOCATE plan_probe')
        return [plan]
      })
      const plan = row?.['QUERY PLAN'][0]?.Plan
      if (plan === undefined) throw new Error('no plan')
      out.push(nodes(plan))
    }
    return out
  }
  // Both statements update `jobs j`; a scan of `j` is a pass over every job to find a few.
  const scansOfUpdated = (plan: PlanNode[]) =>
    plan.filter((n) => n.Alias === 'j' && /Seq Scan/.test(n['Node Type'])).map((n) => n['Node Type'])
  const uses = (plan: PlanNode[] | undefined, index: string) => plan?.some((n) => n['Index Name'] === index)

  it('the outcome batch finds its rows by primary key, not by a scan of every job', async () => {
    const entries = ids.map((id) => ({
      id,
      from: ['running'],
      must_owner: 'me',
      set: ['state'],
      state: 'succeeded',
    }))
    for (const plan of await plans(TRANSITION_MANY, [JSON.stringify(entries), ids])) {
      expect(scansOfUpdated(plan)).toEqual([])
      expect(uses(plan, 'jobs_pkey')).toBe(true)
    }
  })

  it('the claim updates the chosen rows by primary key and, planned for its limit, walks the queue index', async () => {
    const [custom, generic] = await plans(CLAIM, ['me', T0 + 1000, T0, [], 50, 'i'])
    for (const plan of [custom, generic]) {
      expect(scansOfUpdated(plan ?? [])).toEqual([])
      expect(uses(plan, 'jobs_pkey')).toBe(true)
    }
    // Not asserted of the generic plan: with the limit unknown and most jobs queued it sorts the
    // queue, costed above the custom plan, so PostgreSQL keeps planning the claim for its limit.
    expect(uses(custom, 'jobs_queue')).toBe(true)
  })

  it('retention and the promotion of due jobs take their batch by primary key', async () => {
    const batches = [
      await plans(DELETE_FINISHED, [T0 + 1, [...TERMINAL_STATES], 500]),
      await plans(PROMOTE, [T0 + 1, 1000]),
    ]
    for (const plan of batches.flat()) {
      expect(plan.filter((n) => n['Relation Name'] === 'jobs' && /Seq Scan/.test(n['Node Type']))).toEqual([])
      expect(uses(plan, 'jobs_pkey')).toBe(true)
    }
  })
})
