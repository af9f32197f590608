import { useEffect, useState } from 'preact/hooks'
import { getJson } from '../api.ts'
import { ErrorBanner, Time } from '../components.tsx'

/** SPEC §10 `GET /v1/instances` (issue 10): `{ items: [{ id, startedAt, lastSeenAt, running, version }] }`. */
interface Instance {
  id: string
  startedAt: string
  lastSeenAt: string
  running: number
  version: string
}

export function InstancesPage() {
  const [state, setState] = useState<{ items: Instance[] } | { missing: true } | { error: string } | null>(
    null,
  )
  useEffect(() => {
    const load = () =>
      getJson('/v1/instances').then(
        ({ status, body }) => {
          if (status === 404) setState({ missing: true })
          else if (status >= 400)
            setState({ error: `GET /v1/instances: ${status} ${(body as { detail?: string }).detail ?? ''}` })
          else setState(body as { items: Instance[] })
        },
        (err: unknown) => setState({ error: err instanceof Error ? err.message : String(err) }),
      )
    void load()
    const timer = setInterval(load, 5000)
    return () => clearInterval(timer)
  }, [])
  return (
    <>
      <h1>Instances</h1>
      {state === null && <p class="loading">Loading…</p>}
      {state && 'missing' in state && (
        <p class="notice" role="status">
          This service does not list its instances (GET /v1/instances answered 404): it predates the
          multi-instance release. Jobs and schedules work as usual.
        </p>
      )}
      {state && 'error' in state && <ErrorBanner error={state.error} />}
      {state && 'items' in state && (
        <div class="table-wrap">
          <table class="instances">
            <thead>
              <tr>
                <th>Instance</th>
                <th>Running jobs</th>
                <th>Started</th>
                <th>Last seen</th>
                <th>Version</th>
              </tr>
            </thead>
            <tbody>
              {state.items.map((i) => (
                <tr key={i.id} data-instance={i.id}>
                  <td class="mono">{i.id}</td>
                  <td>{i.running}</td>
                  <td>
                    <Time iso={i.startedAt} />
                  </td>
                  <td>
                    <Time iso={i.lastSeenAt} />
                  </td>
                  <td>{i.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}
