import type { Job, Schedule, Tick } from '../client/index.ts'
import { onUnauthorized, token } from './api.ts'

/** One event of GET /v1/events, as its `data` JSON says. */
export interface LiveEvent {
  type: string
  job?: Job
  schedule?: Schedule
  tick?: Tick
  jobId?: string
}

export type LiveState = 'connecting' | 'live' | 'reconnecting'

const listeners = new Set<(event: LiveEvent) => void>()
const stateListeners = new Set<(state: LiveState, detail?: string) => void>()
let started = false
let lastEventId: string | undefined
let retryMs = 3000

/** Every event of the stream, for as long as the component listens. */
export function onLiveEvent(listener: (event: LiveEvent) => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function onLiveState(listener: (state: LiveState, detail?: string) => void): () => void {
  stateListeners.add(listener)
  return () => stateListeners.delete(listener)
}

const setState = (state: LiveState, detail?: string) => {
  for (const listener of stateListeners) listener(state, detail)
}
const dispatch = (event: LiveEvent) => {
  for (const listener of listeners) listener(event)
}

/**
 * One stream for the whole page. Not EventSource: it cannot send an Authorization header. A fetch
 * reads the text/event-stream framing instead, and reconnects with Last-Event-ID, so the server
 * replays what was missed (or says `reset`, and the pages re-list).
 */
export function startLiveEvents(): void {
  if (started) return
  started = true
  void (async () => {
    for (;;) {
      try {
        await readStream()
        setState('reconnecting', 'the stream ended')
      } catch (err) {
        setState('reconnecting', err instanceof Error ? err.message : String(err))
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs))
    }
  })()
}

async function readStream(): Promise<void> {
  setState(lastEventId === undefined ? 'connecting' : 'reconnecting')
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  const value = token.get()
  if (value) headers.authorization = `Bearer ${value}`
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
  const res = await fetch('/v1/events', { headers })
  if (!res.ok || !res.body) {
    if (res.status === 401) for (const listener of onUnauthorized) listener()
    const problem = (await res.json().catch(() => null)) as { detail?: string } | null
    throw new Error(`events: ${res.status} ${problem?.detail ?? ''}`.trim())
  }
  setState('live')
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value: chunk, done } = await reader.read()
    if (done) return
    buffer += chunk
    let end = buffer.indexOf('\n\n')
    while (end >= 0) {
      frame(buffer.slice(0, end))
      buffer = buffer.slice(end + 2)
      end = buffer.indexOf('\n\n')
    }
  }
}

function frame(block: string): void {
  let event = 'message'
  let data: string | undefined
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'id') lastEventId = text
    else if (field === 'event') event = text
    else if (field === 'data') data = text
    else if (field === 'retry' && /^\d+$/.test(text)) retryMs = Number(text)
  }
  if (data === undefined) return
  const parsed = JSON.parse(data) as LiveEvent
  dispatch({ ...parsed, type: event })
}
