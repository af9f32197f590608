import { describe, expect, it } from 'vitest'
import { EventBus } from '../../src/events.ts'
import { EventHub, type HubEvent, type HubEventInput } from '../../src/routes/event-hub.ts'

const input = (type: string, jobId: string | null = 'j1', data: unknown = {}): HubEventInput => ({
  type,
  jobId,
  scheduleId: null,
  data: () => data,
})

describe('EventHub', () => {
  it('delivers to matching subscribers with consecutive ids', () => {
    const hub = new EventHub({ firstId: 100 })
    const all: HubEvent[] = []
    const finishedOfJ2: HubEvent[] = []
    hub.subscribe({}, (e) => all.push(e))
    hub.subscribe({ jobId: 'j2', types: new Set(['job:finished']) }, (e) => finishedOfJ2.push(e))
    hub.publish(input('job:created', 'j2'))
    hub.publish(input('job:finished', 'j1'))
    hub.publish(input('job:finished', 'j2', { ok: true }))
    expect(all.map((e) => e.id)).toEqual([100, 101, 102])
    expect(finishedOfJ2).toEqual([
      { id: 102, type: 'job:finished', jobId: 'j2', scheduleId: null, json: '{"ok":true}' },
    ])
  })

  it('replays the missed events that match, and resets once they are evicted', () => {
    const hub = new EventHub({ firstId: 1, capacity: 3 })
    const sub = hub.subscribe({}, () => {})
    for (const type of ['a', 'b', 'a', 'b']) hub.publish(input(type)) // ids 1..4; 1 evicted
    const replay = hub.subscribe({ types: new Set(['b']) }, () => {}, 2).resume
    expect(replay).toEqual({ kind: 'replay', events: [expect.objectContaining({ id: 4, type: 'b' })] })
    expect(hub.subscribe({}, () => {}, 1).resume).toEqual({ kind: 'replay', events: expect.any(Array) })
    expect(hub.subscribe({}, () => {}, 0).resume).toEqual({ kind: 'reset' })
    expect(hub.subscribe({}, () => {}, 4).resume).toEqual({ kind: 'replay', events: [] })
    // An id this hub never issued (another process, another epoch) cannot be resumed from.
    expect(hub.subscribe({}, () => {}, 99).resume).toEqual({ kind: 'reset' })
    expect(sub.position).toBe(0)
  })

  it('bounds the buffer by bytes as well as by count', () => {
    const hub = new EventHub({ firstId: 1, maxBytes: 25 })
    hub.subscribe({}, () => {})
    hub.publish(input('a', 'j', 'x'.repeat(10))) // 12 characters of JSON each
    hub.publish(input('a', 'j', 'x'.repeat(10)))
    hub.publish(input('a', 'j', 'x'.repeat(10)))
    expect(hub.subscribe({}, () => {}, 0).resume).toEqual({ kind: 'reset' }) // id 1 evicted
    expect(hub.subscribe({}, () => {}, 1).resume).toMatchObject({
      kind: 'replay',
      events: [{ id: 2 }, { id: 3 }],
    })
  })

  it('neither renders nor keeps events nobody watches, yet keeps counting ids', () => {
    let now = 0
    const hub = new EventHub({ firstId: 1, idleRetentionMs: 1000, now: () => now })
    let renders = 0
    const counted = (): HubEventInput => ({ ...input('a'), data: () => ++renders })
    expect(hub.publish(counted())).toBeNull() // id 1, never watched
    const sub = hub.subscribe({}, () => {})
    hub.publish(counted()) // id 2
    sub.unsubscribe()
    now = 999
    hub.publish(counted()) // id 3: kept for a reconnect within the retention
    expect(hub.subscribe({}, () => {}, 2).resume).toMatchObject({ kind: 'replay', events: [{ id: 3 }] })
    expect(renders).toBe(2)
  })

  it('stops keeping events after the idle retention, so an old id gets a reset', () => {
    let now = 0
    const hub = new EventHub({ firstId: 1, idleRetentionMs: 1000, now: () => now })
    hub.subscribe({}, () => {}).unsubscribe()
    hub.publish(input('a')) // id 1, kept
    now = 1000
    hub.publish(input('a')) // id 2, not kept: the buffer empties rather than hold a gap
    expect(hub.subscribe({}, () => {}, 1).resume).toEqual({ kind: 'reset' })
    expect(hub.subscribe({}, () => {}, 2).position).toBe(2)
  })

  it('feeds from typed buses and isolates a throwing subscriber', () => {
    const errors: unknown[] = []
    const hub = new EventHub({ firstId: 1, onError: (err) => errors.push(err) })
    const bus = new EventBus<{ thing: { name: string } }>()
    hub.addSource(bus, 'thing', {
      types: ['thing:made'],
      toEvent: (p) => ({ type: 'thing:made', jobId: null, scheduleId: p.name, data: () => p }),
    })
    expect([...hub.knownTypes]).toEqual(['thing:made'])
    const got: string[] = []
    hub.subscribe({}, () => {
      throw new Error('boom')
    })
    hub.subscribe({ scheduleId: 's1' }, (e) => got.push(e.json))
    bus.emit('thing', { name: 's1' })
    expect(got).toEqual(['{"name":"s1"}'])
    expect(errors).toHaveLength(1)
  })
})
