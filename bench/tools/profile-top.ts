/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time,
 * and the project files (src/) with the most inclusive time. Frames of compiled JS with a
 * `.js.map` beside it (tsc's sourceMap output, see bench/README.md) are mapped back to .ts lines.
 *
 *   npx tsx bench/tools/profile-top.ts FILE.cpuprofile [N]
 */
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap, type SourceMapPayload } from 'node:module'
import { fileURLToPath } from 'node:url'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, topArg = '25'] = process.argv.slice(2)
if (!file) {
  process.stderr.write('usage: profile-top.ts FILE.cpuprofile [N]\n')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

const maps = new Map<string, SourceMap | null>()
function sourceMapOf(url: string): SourceMap | null {
  if (!url.startsWith('file://') || !url.endsWith('.js')) return null
  let map = maps.get(url)
  if (map === undefined) {
    const file = `${fileURLToPath(url)}.map`
    map = existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as SourceMapPayload) : null
    maps.set(url, map)
  }
  return map
}

/** `function path:line`, with the path from src/, bench/ or node_modules/ on. */
const where = (f: CallFrame) => {
  let url = f.url
  let line = f.lineNumber + 1
  const entry = sourceMapOf(url)?.findEntry(f.lineNumber, f.columnNumber)
  if (entry && 'originalSource' in entry) {
    url = new URL(entry.originalSource, url).href
    line = entry.originalLine + 1
  }
  const path = url.replace(/^file:\/\//, '').replace(/^.*?\/(src|bench|node_modules)\//, '$1/')
  return `${f.functionName || '(anonymous)'} ${path || '(native)'}:${line}`
}

const self = new Map<string, number>()
const inclusive = new Map<string, number>()
let total = 0
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0
  total += dt
  const node = byId.get(id)
  if (!node) return
  self.set(where(node.callFrame), (self.get(where(node.callFrame)) ?? 0) + dt)
  // Inclusive time per src/ frame, counted once per sample even under recursion.
  const seen = new Set<string>()
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const frame = byId.get(cur)?.callFrame
    if (!frame) continue
    const key = where(frame)
    if (!key.includes(' src/')) continue
    if (seen.has(key)) continue
    seen.add(key)
    inclusive.set(key, (inclusive.get(key) ?? 0) + dt)
  }
})

const top = Number(topArg)
const show = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`)
  for (const [key, us] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(
      `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}\n`,
    )
  }
}
process.stdout.write(`total sampled: ${(total / 1000).toFixed(0)} ms\n`)
show('self time', self)
show('inclusive time, src/ frames', inclusive)
