/** One run's measured figures, keyed by a figure key of the scenario. */
export type Figures = Record<string, number>

export interface FigureDef {
  key: string
  label: string
  unit: string
}

/** A bar from QUALITY.md, evaluated on the median of one figure over the runs. */
export interface CheckDef {
  /** Which bar (e.g. "P1 req/s ratio ≥ 0.6"). */
  label: string
  key: string
  op: '<=' | '>='
  goal: number
  /** Reported, but not one of the QUALITY.md bars (e.g. a harsher variant). */
  informational?: boolean
}

export interface ScenarioContext {
  quick: boolean
  /** Repetitions to perform (≥ 3 in full mode, 1 in quick mode). */
  runs: number
  /** A private temp directory, removed after the scenario. */
  tmp: string
  /** Where RESULTS.md is written: files a scenario adds beside it (P10's plot) go here. */
  outDir: string
  log(message: string): void
}

export interface ScenarioOutput {
  runs: Figures[]
  /** Figure-key prefix → reason, for parts that could not be measured (e.g. Redis unreachable). */
  skipped?: Record<string, string>
  notes?: string[]
}

export interface Scenario {
  name: string
  title: string
  /** The QUALITY.md goal, verbatim enough to read the table without the spec. */
  bar: string
  figures: FigureDef[]
  checks: CheckDef[]
  run(ctx: ScenarioContext): Promise<ScenarioOutput>
}

/** Thrown by a scenario that cannot run at all here (missing service, feature not built yet). */
export class SkipError extends Error {}

export interface FigureSummary extends FigureDef {
  values: number[]
  median: number | null
  min: number | null
  max: number | null
}

export interface CheckResult extends CheckDef {
  median: number | null
  /** null: not measured (see `note`). */
  met: boolean | null
  note?: string
}

export interface ScenarioResult {
  name: string
  title: string
  bar: string
  status: 'ok' | 'partial' | 'skipped' | 'error'
  reason?: string
  measuredAt: string
  /** HEAD when the scenario started, `+` when src/ had uncommitted changes. */
  commit: string
  mode: 'full' | 'quick'
  runs: number
  durationS: number
  figures: FigureSummary[]
  checks: CheckResult[]
  notes: string[]
}
