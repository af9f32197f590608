/** A series of (x, y) points drawn as one polyline. */
export interface Series {
  label: string
  color: string
  points: [number, number][]
  /** Draw as steps (a value holding until the next x), e.g. per-slice figures. */
  steps?: boolean
}

export interface Panel {
  title: string
  unit: string
  series: Series[]
}

const W = 760
const PANEL_H = 220
const M = { left: 60, right: 20, top: 28, bottom: 34 }
const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
const fmt = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)

/** An axis top rounded up to 1, 2 or 5 × 10^k, so the grid lines fall on round values. */
function niceTop(max: number): number {
  if (!(max > 0)) return 1
  const step = 10 ** Math.floor(Math.log10(max))
  return ([1, 2, 5, 10].map((m) => m * step).find((v) => v >= max) ?? 10 * step) as number
}

function panel(p: Panel, top: number, xMax: number, marks: { x: number; label: string }[]): string {
  const h = PANEL_H - M.top - M.bottom
  const w = W - M.left - M.right
  const yMax = niceTop(Math.max(0, ...p.series.flatMap((s) => s.points.map(([, y]) => y))))
  const X = (x: number) => M.left + (x / (xMax || 1)) * w
  const Y = (y: number) => top + M.top + h - (y / yMax) * h
  const out: string[] = [
    `<text x="${M.left}" y="${top + 18}" font-weight="bold">${esc(p.title)} (${esc(p.unit)})</text>`,
  ]
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${Y(v)}" y2="${Y(v)}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${Y(v) + 4}" text-anchor="end">${fmt(v)}</text>`,
    )
  }
  for (let i = 0; i <= 5; i++) {
    const x = (xMax * i) / 5
    out.push(`<text x="${X(x)}" y="${top + PANEL_H - 12}" text-anchor="middle">${fmt(x)} s</text>`)
  }
  for (const m of marks) {
    out.push(
      `<line x1="${X(m.x)}" x2="${X(m.x)}" y1="${Y(yMax)}" y2="${Y(0)}" stroke="#999" stroke-dasharray="4 3"/>`,
      `<text x="${X(m.x) + 4}" y="${Y(yMax) + 12}" fill="#666">${esc(m.label)}</text>`,
    )
  }
  p.series.forEach((s, i) => {
    const pts = s.steps
      ? s.points.flatMap(([x, y], k) => {
          const next = s.points[k + 1]?.[0] ?? xMax
          return [`${X(x)},${Y(y)}`, `${X(next)},${Y(y)}`]
        })
      : s.points.map(([x, y]) => `${X(x)},${Y(y)}`)
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(' ')}"/>`,
      `<rect x="${W - M.right - 170}" y="${top + 8 + i * 16}" width="12" height="3" fill="${s.color}"/>`,
      `<text x="${W - M.right - 152}" y="${top + 13 + i * 16}">${esc(s.label)}</text>`,
    )
  })
  return out.join('\n')
}

/** Stacked time-series panels sharing the x axis (seconds), as one SVG document. */
export function renderSvg(
  title: string,
  panels: Panel[],
  xMax: number,
  marks: { x: number; label: string }[] = [],
) {
  const height = 30 + panels.length * PANEL_H
  const body = panels.map((p, i) => panel(p, 30 + i * PANEL_H, xMax, marks)).join('\n')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="11" role="img">
<title>${esc(title)}</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${M.left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>
${body}
</svg>
`
}
