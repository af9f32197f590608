/**
 * The benchmark suite of QUALITY.md P1–P10.
 *
 *   npm run bench                 every scenario, ≥ 3 runs each → bench/RESULTS.md, bench/results.json
 *   npm run bench -- p3 p7        only those (merged into the existing results)
 *   npm run bench -- --quick      tiny counts, 1 run each → bench/.quick/ (the CI smoke mode)
 *   options: --runs N, --out DIR
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from './lib/child.ts'
import { machineInfo } from './lib/machine.ts'
import { type Results, renderMarkdown, renderTable, summarize } from './lib/report.ts'
import { type Scenario, type ScenarioResult, SkipError } from './lib/types.ts'
import { p1 } from './scenarios/p1-create-http.ts'
import { p2 } from './scenarios/p2-throughput.ts'
import { p3 } from './scenarios/p3-cancel.ts'
import { p4 } from './scenarios/p4-timeout.ts'
import { p5 } from './scenarios/p5-schedule.ts'
import { p6 } from './scenarios/p6-memory.ts'
import { p7 } from './scenarios/p7-list.ts'
import { p8 } from './scenarios/p8-wait.ts'
import { p9 } from './scenarios/p9-isolation.ts'
import { p10 } from './scenarios/p10-soak.ts'
import { pgInstances } from './scenarios/pg-instances.ts'
import { ui } from './scenarios/ui-jobs.ts'

const SCENARIOS: Scenario[] = [p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, pgInstances, ui]

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    out: { type: 'string' },
  },
})
const quick = values.quick ?? false
const runs = values.runs ? Number(values.runs) : quick ? 1 : 3
const unknown = positionals.filter((p) => !SCENARIOS.some((s) => s.name === p.toLowerCase()))
if (unknown.length > 0 || !Number.isInteger(runs) || runs < 1) {
  process.stderr.write(
    `usage: npm run bench -- [--quick] [--runs N] [--out DIR] [${SCENARIOS.map((s) => s.name).join('|')} …]\n`,
  )
  process.exit(2)
}
const selected = positionals.length
  ? SCENARIOS.filter((s) => positionals.some((p) => p.toLowerCase() === s.name))
  : SCENARIOS
// Quick mode never touches the committed RESULTS.md / results.json.
const outDir = values.out ?? (quick ? join(ROOT, 'bench', '.quick') : join(ROOT, 'bench'))

async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  mkdirSync(outDir, { recursive: true })
  const tmp = mkdtempSync(join(os.tmpdir(), `jobvisor-bench-${scenario.name}-`))
  const started = Date.now()
  const loadAtStart = os.loadavg()[0] ?? 0
  // The code under test may change between scenarios (others commit while a long run goes on).
  const { commit, dirty } = machineInfo()
  const meta = () => ({
    commit: `${commit}${dirty ? '+' : ''}`,
    measuredAt: new Date(started).toISOString(),
    mode: quick ? ('quick' as const) : ('full' as const),
    durationS: Math.round((Date.now() - started) / 100) / 10,
  })
  const log = (message: string) => process.stderr.write(`[${scenario.name}] ${message}\n`)
  log(`${scenario.title} (${runs} run${runs > 1 ? 's' : ''}${quick ? ', quick' : ''})`)
  try {
    const output = await scenario.run({ quick, runs, tmp, outDir, log })
    const load = `machine load average (1 min) at start / end: ${loadAtStart.toFixed(2)} / ${(os.loadavg()[0] ?? 0).toFixed(2)}`
    return summarize(scenario, { ...output, notes: [...(output.notes ?? []), load] }, meta())
  } catch (err) {
    const skipped = err instanceof SkipError
    const reason = err instanceof Error ? err.message : String(err)
    log(`${skipped ? 'skipped' : 'FAILED'}: ${reason}`)
    return {
      name: scenario.name,
      title: scenario.title,
      bar: scenario.bar,
      status: skipped ? 'skipped' : 'error',
      reason: skipped ? reason : reason.split('\n').slice(0, 3).join(' '),
      runs: 0,
      figures: [],
      checks: [],
      notes: [],
      ...meta(),
    }
  } finally {
    if (!process.env.BENCH_KEEP_TMP) rmSync(tmp, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const machine = machineInfo()
  const fresh: ScenarioResult[] = []
  for (const scenario of selected) fresh.push(await runScenario(scenario))

  mkdirSync(outDir, { recursive: true })
  const jsonPath = join(outDir, 'results.json')
  // A partial run updates its scenarios and keeps the others, each with its own measuredAt.
  const previous: Results | null =
    positionals.length && existsSync(jsonPath)
      ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as Results)
      : null
  const results: Results = {
    generatedAt: new Date().toISOString(),
    machine,
    scenarios: { ...previous?.scenarios, ...Object.fromEntries(fresh.map((r) => [r.name, r])) },
  }
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(join(outDir, 'RESULTS.md'), renderMarkdown(results))
  process.stdout.write(`\n${renderTable(fresh)}\n\nwritten: ${jsonPath}\n`)
  if (fresh.some((r) => r.status === 'error')) process.exitCode = 1
}

await main()
