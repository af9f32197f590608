import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { sendProblem } from './problem.ts'

/**
 * Where `npm run build` writes the dashboard (scripts/build-ui.mjs): `dist/ui` of the package,
 * two levels above this file both in src/routes and in dist/routes.
 */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
}

interface Asset {
  body: Buffer
  type: string
}

/** What /ui says when run from a checkout that was never built (`npm run dev`, tests). */
const NOT_BUILT: Asset = {
  type: TYPES['.html'] as string,
  body: Buffer.from(
    '<!doctype html><title>jobvisor</title><p>The dashboard is not built: run <code>npm run build</code>.</p>',
  ),
}

/** The built files, read once: a handful of small files, served from memory. */
function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  if (!existsSync(dir)) return assets
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)]
    if (type) assets.set(name, { body: readFileSync(join(dir, name)), type })
  }
  return assets
}

/**
 * `GET /ui` (SPEC §12): the dashboard, from the service itself: no CDN, no second server. The page
 * talks to the public API only; these files hold no data, so they are open like /docs (auth.ts).
 * Pages are addressed by the URL fragment (`/ui#/jobs/01…`), so the server needs no fallback route.
 */
export const uiRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, { dir = DEFAULT_UI_DIR }) => {
  const assets = readAssets(dir)
  const send = (reply: FastifyReply, name: string) => {
    const asset = assets.get(name) ?? (name === 'index.html' && assets.size === 0 ? NOT_BUILT : undefined)
    if (!asset) return sendProblem(reply, 404, `no dashboard file ${name}`)
    // index.html names the bundle, which is rebuilt with the service: no caching across versions.
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body)
  }
  const hidden = { schema: { hide: true } }
  app.get('/ui', hidden, async (_req, reply) => send(reply, 'index.html'))
  app.get<{ Params: { '*': string } }>('/ui/*', hidden, async (req, reply) =>
    send(reply, req.params['*'] === '' ? 'index.html' : req.params['*']),
  )
}
