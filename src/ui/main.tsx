import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { onUnauthorized, probeRole, type Role, token } from './api.ts'
import { ErrorBanner } from './components.tsx'
import { type LiveState, onLiveState, startLiveEvents } from './live.ts'
import { InstancesPage } from './pages/instances.tsx'
import { JobPage } from './pages/job.tsx'
import { JobsPage } from './pages/jobs.tsx'
import { NewJobPage } from './pages/new-job.tsx'
import { NewSchedulePage } from './pages/new-schedule.tsx'
import { SchedulePage } from './pages/schedule.tsx'
import { SchedulesPage } from './pages/schedules.tsx'
import { href, useRoute } from './router.ts'

/** Asks for a bearer token when the API wants one; it is kept in sessionStorage for this tab. */
function TokenPrompt({ onDone, error }: { onDone: () => void; error: string | null }) {
  const [value, setValue] = useState('')
  return (
    <main class="login">
      <h1>jobvisor</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          token.set(value.trim())
          onDone()
        }}
      >
        <label for="token">This service needs a token (JOBVISOR_TOKENS)</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
          required
        />
        <button type="submit">Sign in</button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  )
}

function App() {
  const route = useRoute()
  const [role, setRole] = useState<Role | null | 'unknown'>('unknown')
  const [authError, setAuthError] = useState<string | null>(null)
  const [live, setLive] = useState<{ state: LiveState; detail?: string }>({ state: 'connecting' })

  const check = async () => {
    try {
      const found = await probeRole()
      if (found === null) {
        if (token.get()) setAuthError('That token is not valid (401).')
        token.clear()
      } else setAuthError(null)
      setRole(found)
      if (found) startLiveEvents()
    } catch (err) {
      setAuthError(err instanceof Error ? err.message : String(err))
      setRole(null)
    }
  }
  useEffect(() => {
    void check()
    const onLost = () => setRole(null)
    onUnauthorized.add(onLost)
    const stop = onLiveState((state, detail) => setLive({ state, detail }))
    return () => {
      onUnauthorized.delete(onLost)
      stop()
    }
  }, [])

  if (role === 'unknown') return <p class="loading">Loading…</p>
  if (role === null) return <TokenPrompt onDone={() => void check()} error={authError} />
  const canWrite = role === 'write'
  const [page, id] = route
  return (
    <>
      <header>
        <a class="brand" href={href('jobs')}>
          jobvisor
        </a>
        <nav aria-label="Pages">
          <a href={href('jobs')} aria-current={page === 'jobs' ? 'page' : undefined}>
            Jobs
          </a>
          <a href={href('schedules')} aria-current={page === 'schedules' ? 'page' : undefined}>
            Schedules
          </a>
          <a href={href('instances')} aria-current={page === 'instances' ? 'page' : undefined}>
            Instances
          </a>
        </nav>
        <span class={`live live-${live.state}`} title={live.detail ?? ''}>
          {live.state === 'live' ? '● live' : `○ ${live.state}`}
        </span>
        <span class="role" data-role={role}>
          {canWrite ? 'write' : 'read only'}
        </span>
        {token.get() && (
          <button
            type="button"
            class="link"
            onClick={() => {
              token.clear()
              setRole(null)
            }}
          >
            Sign out
          </button>
        )}
      </header>
      {live.state === 'reconnecting' && live.detail && (
        <ErrorBanner error={`Live updates paused: ${live.detail}; reconnecting…`} />
      )}
      <main>
        {page === 'jobs' && id === 'new' && canWrite ? (
          <NewJobPage />
        ) : page === 'jobs' && id ? (
          <JobPage id={id} canWrite={canWrite} />
        ) : page === 'schedules' && id === 'new' && canWrite ? (
          <NewSchedulePage />
        ) : page === 'schedules' && id ? (
          <SchedulePage id={id} canWrite={canWrite} />
        ) : page === 'schedules' ? (
          <SchedulesPage canWrite={canWrite} />
        ) : page === 'instances' ? (
          <InstancesPage />
        ) : (
          <JobsPage canWrite={canWrite} />
        )}
      </main>
    </>
  )
}

render(<App />, document.getElementById('app') as HTMLElement)
