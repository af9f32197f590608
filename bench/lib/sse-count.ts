import http from 'node:http'

export interface SseCount {
  /** Events received, by their `event:` type. */
  byType: Record<string, number>
  bytes: number
  /** Why the stream ended before it was closed by us, if it did. */
  lostReason: string | null
}

/**
 * One Server-Sent Events reader (as a dashboard keeps open) that only counts what arrives: it
 * must keep up with everything the server sends, or the server drops it as slow — an error.
 */
export function countEvents(url: string): { count: SseCount; close(): SseCount } {
  const count: SseCount = { byType: {}, bytes: 0, lostReason: null }
  let closing = false
  // As if a line had just ended, so the first `event:` line is found like every other.
  let rest = '\n'
  const lost = (reason: string) => {
    if (!closing && count.lostReason === null) count.lostReason = reason
  }
  const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) lost(`status ${res.statusCode}`)
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      count.bytes += chunk.length
      // Scan for event lines without splitting every chunk: at thousands of events a second the
      // reader shares the two cores with the server, and must cost it as little as it can.
      const text = rest + chunk
      let at = text.indexOf('\nevent: ')
      let done = 0
      while (at !== -1) {
        const start = at + 8
        const end = text.indexOf('\n', start)
        if (end === -1) break
        const type = text.slice(start, end)
        count.byType[type] = (count.byType[type] ?? 0) + 1
        done = end
        at = text.indexOf('\nevent: ', end)
      }
      // Keep an unfinished event line (or a split "\nevent: ") for the next chunk.
      rest = text.slice(Math.max(done, text.length - 200))
    })
    res.on('end', () => lost('the server ended the stream'))
    res.on('error', (err) => lost(String(err)))
  })
  req.on('error', (err) => lost(String(err)))
  return {
    count,
    close() {
      closing = true
      req.destroy()
      return count
    },
  }
}
