import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { SseStream } from '../../src/routes/sse-stream.ts'

/** A socket stand-in whose writes complete only when `release()` is called. */
function slowSocket() {
  const written: string[] = []
  const pending: (() => void)[] = []
  const out = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, done) {
      written.push(chunk.toString())
      pending.push(done)
    },
  })
  const release = () => {
    for (const done of pending.splice(0)) done()
  }
  return { out, written, release }
}

const options = { heartbeatMs: 60_000, retryMs: 1000, maxQueued: 100 }
/** Frames written in one step leave at the end of it (the stream corks its socket for the step). */
const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve))
const event = (id: number, json = '{}') => ({ id, type: 'job:created', jobId: 'j', scheduleId: null, json })

describe('SseStream', () => {
  it('frames the retry hint, the replay and the resume position', async () => {
    const written: string[] = []
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        written.push(chunk.toString())
        done()
      },
    })
    const stream = new SseStream(out, options, () => {})
    stream.open({ kind: 'replay', events: [event(7, '{"a":1}')] }, 9)
    stream.send(event(10))
    await nextTick()
    expect(written.join('')).toBe(
      'retry: 1000\n\nid: 7\nevent: job:created\ndata: {"a":1}\n\nid: 9\n\nid: 10\nevent: job:created\ndata: {}\n\n',
    )
    stream.end()
    expect(stream.isClosed).toBe(true)
  })

  it('opens a reset with the current position as its id', async () => {
    const written: string[] = []
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        written.push(chunk.toString())
        done()
      },
    })
    const stream = new SseStream(out, options, () => {})
    stream.open({ kind: 'reset' }, 42)
    stream.end()
    await nextTick()
    expect(written[1]).toMatch(/^id: 42\nevent: reset\ndata: \{"type":"reset",/)
  })

  it('queues while the socket refuses more and sends the queue in order on drain', async () => {
    const { out, written, release } = slowSocket()
    const stream = new SseStream(out, { ...options, maxQueued: 10_000 }, () => {})
    stream.send(event(1, 'x'.repeat(20))) // over highWaterMark: write returns false
    stream.send(event(2))
    stream.send(event(3))
    await nextTick()
    expect(written).toHaveLength(1)
    release()
    await new Promise((resolve) => setImmediate(resolve))
    release()
    await new Promise((resolve) => setImmediate(resolve))
    // The queue leaves in one write once the socket drains.
    expect(written).toHaveLength(2)
    expect([...written.join('').matchAll(/^id: (\d+)/gm)].map((m) => m[1])).toEqual(['1', '2', '3'])
    stream.end()
  })

  it('sends the frames of one step in one socket write, and a later step in the next', async () => {
    const batches: string[][] = []
    const out = new Writable({
      writev(chunks, done) {
        batches.push(chunks.map((c) => c.chunk.toString()))
        done()
      },
    })
    const stream = new SseStream(out, options, () => {})
    for (let id = 1; id <= 3; id++) stream.send(event(id))
    expect(batches).toHaveLength(0)
    await nextTick()
    stream.send(event(4))
    await nextTick()
    expect(batches.map((b) => b.map((w) => /^id: (\d+)/.exec(w)?.[1]))).toEqual([['1', '2', '3'], ['4']])
    stream.end()
  })

  it('drops a client whose queue exceeds the bound, and reports why once', () => {
    const { out } = slowSocket()
    const reasons: string[] = []
    const stream = new SseStream(out, options, (reason) => reasons.push(reason))
    stream.send(event(1, 'x'.repeat(20)))
    for (let id = 2; id < 10; id++) stream.send(event(id, 'y'.repeat(20)))
    expect(stream.isClosed).toBe(true)
    expect(out.destroyed).toBe(true)
    expect(reasons).toEqual(['slow'])
  })

  it('releases once when the socket closes', () => {
    const { out } = slowSocket()
    const reasons: string[] = []
    const stream = new SseStream(out, options, (reason) => reasons.push(reason))
    out.destroy()
    out.emit('close')
    stream.end()
    expect(reasons).toEqual(['closed'])
  })
})
