import { useEffect, useRef, useState } from 'preact/hooks'
import type { Job, LogLine } from '../../client/index.ts'
import { api, call } from '../api.ts'
import { ActionButton, ErrorBanner, Field, Json, Progress, StateBadge, Time } from '../components.tsx'
import { onLiveEvent } from '../live.ts'
import { href, navigate } from '../router.ts'
import { newer, TERMINAL } from './job-counts.tsx'

/** How often the log tail is read while the job is active. */
const LOG_POLL_MS = 1000
/** How often an active job is re-read besides its events (a safety net, not the update path). */
const JOB_POLL_MS = 2000

/**
 * Appends new log lines as they come, for as long as the job is active (then once more).
 * The read position lives in a ref, not in state: when `active` flips, the effect restarts while
 * the previous read may already have appended lines, and a position captured at render time
 * would read them again. Lines are also kept only past the last `seq`, so two reads that cross
 * can never show a line twice.
 */
function useLogTail(id: string, active: boolean): { lines: LogLine[]; error: unknown } {
  const [lines, setLines] = useState<LogLine[]>([])
  const [error, setError] = useState<unknown>(null)
  const position = useRef({ id, after: 0 })
  if (position.current.id !== id) position.current = { id, after: 0 }
  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const read = async () => {
      try {
        for (;;) {
          const page = await call(
            api.GET('/v1/jobs/{id}/logs', {
              params: { path: { id }, query: { after: position.current.after, limit: 500 } },
            }),
          )
          if (stopped) return
          position.current.after = Math.max(position.current.after, page.nextAfter)
          if (page.items.length > 0) setLines((l) => appendNew(l, page.items))
          if (page.items.length < 500) break
        }
        setError(null)
      } catch (err) {
        setError(err)
      }
      if (!stopped && active) timer = setTimeout(read, LOG_POLL_MS)
    }
    void read()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [id, active])
  useEffect(() => setLines([]), [id])
  return { lines, error }
}

/** `kept` followed by the lines of `page` past its last `seq`, the newest 1000 at most. */
function appendNew(kept: LogLine[], page: LogLine[]): LogLine[] {
  const last = kept.at(-1)?.seq ?? 0
  const fresh = page.filter((l) => l.seq > last)
  return fresh.length === 0 ? kept : [...kept, ...fresh].slice(-1000)
}

export function JobPage({ id, canWrite }: { id: string; canWrite: boolean }) {
  const [job, setJob] = useState<Job | null>(null)
  // A reply and an event may cross: whichever copy was updated last wins, never the one that came last.
  const keep = (fresh: Job) => setJob((old) => (old ? newer(old, fresh) : fresh))
  const [error, setError] = useState<unknown>(null)
  const [graceMs, setGraceMs] = useState(5000)
  useEffect(() => {
    setJob(null)
    void call(api.GET('/v1/jobs/{id}', { params: { path: { id } } })).then(keep, setError)
    return onLiveEvent((e) => {
      if (e.job?.id === id) keep(e.job)
    })
  }, [id])
  const active = job !== null && !TERMINAL.has(job.state)
  const logs = useLogTail(id, active)
  // The stream is the fast path; this re-read keeps an active job's page true if it drops events.
  useEffect(() => {
    if (!active) return
    const timer = setInterval(() => {
      void call(api.GET('/v1/jobs/{id}', { params: { path: { id } } })).then(keep, setError)
    }, JOB_POLL_MS)
    return () => clearInterval(timer)
  }, [id, active])
  if (!job) return error ? <ErrorBanner error={error} /> : <p class="loading">Loading…</p>

  const cancel = (mode: 'immediate' | 'graceful') =>
    call(
      api.POST('/v1/jobs/{id}/cancel', {
        params: { path: { id } },
        body: mode === 'graceful' ? { mode, graceMs } : { mode },
      }),
    ).then(keep)
  return (
    <>
      <p class="crumbs">
        <a href={href('jobs')}>Jobs</a> / <span class="mono">{job.id}</span>
      </p>
      <div class="title">
        <h1>
          {job.type} <StateBadge state={job.state} />
        </h1>
        {canWrite && (
          <div class="actions">
            {active && (
              <ActionButton
                label="Cancel"
                kind="danger"
                action={() => cancel('immediate')}
                onError={setError}
                title="ctx.signal aborts; the handler may clean up"
              />
            )}
            {active && (
              <span class="inline">
                <ActionButton
                  label="Stop gracefully"
                  action={() => cancel('graceful')}
                  onError={setError}
                  title="ctx.stopSignal fires; escalates after the grace"
                />
                <label>
                  grace{' '}
                  <input
                    type="number"
                    min={0}
                    max={3_600_000}
                    step={100}
                    value={graceMs}
                    onInput={(e) => setGraceMs(Number(e.currentTarget.value))}
                    aria-label="Grace in milliseconds"
                  />{' '}
                  ms
                </label>
              </span>
            )}
            {!active && (
              <ActionButton
                label="Delete"
                kind="danger"
                onError={setError}
                action={async () => {
                  await call(api.DELETE('/v1/jobs/{id}', { params: { path: { id } } }))
                  navigate('jobs')
                }}
              />
            )}
          </div>
        )}
      </div>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <dl class="grid">
        <Field label="Progress">
          <Progress progress={job.progress} /> {job.progress?.message}
        </Field>
        <Field label="Attempt">
          {job.attempt} of {job.retry.maxAttempts}
        </Field>
        <Field label="Retry">
          {job.retry.backoff ? `${job.retry.backoff.type}, ${job.retry.backoff.delayMs} ms` : 'none'}
        </Field>
        <Field label="Instance">{job.instance ?? <span class="muted">—</span>}</Field>
        <Field label="Priority">{job.priority}</Field>
        <Field label="Timeout">{job.timeoutMs === null ? '—' : `${job.timeoutMs} ms`}</Field>
        <Field label="Schedule">
          {job.scheduleId ? (
            <a href={href('schedules', job.scheduleId)} class="mono">
              {job.scheduleId}
            </a>
          ) : (
            '—'
          )}
        </Field>
        <Field label="Created">
          <Time iso={job.createdAt} />
        </Field>
        <Field label="Run at">
          <Time iso={job.runAt} />
        </Field>
        <Field label="Started">
          <Time iso={job.startedAt} />
        </Field>
        <Field label="Finished">
          <Time iso={job.finishedAt} />
        </Field>
        <Field label="Updated">
          <Time iso={job.updatedAt} />
        </Field>
        {job.cancel && (
          <Field label="Cancel">
            {job.cancel.mode}
            {job.cancel.forced ? ', forced' : ''}
            {job.cancel.reason ? `: ${job.cancel.reason}` : ''}
          </Field>
        )}
      </dl>
      <section class="panels">
        <div>
          <h2>Params</h2>
          <Json value={job.params} />
        </div>
        <div>
          <h2>Result</h2>
          <Json value={job.result} />
        </div>
        <div>
          <h2>Error</h2>
          <Json value={job.error} />
        </div>
      </section>
      <h2>Log {active && <span class="muted">(live)</span>}</h2>
      <ErrorBanner error={logs.error} />
      <pre class="log" aria-live="polite">
        {logs.lines.length === 0 ? (
          <span class="muted">No log lines.</span>
        ) : (
          logs.lines.map((l) => (
            <div key={l.seq} class={`level-${l.level}`}>
              <span class="muted">{new Date(l.time).toLocaleTimeString()}</span> {l.level.padEnd(5)} {l.msg}
            </div>
          ))
        )}
      </pre>
    </>
  )
}
