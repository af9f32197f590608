import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// No Docker engine runs here, so the Dockerfile is checked as text against what the issue requires.
const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')
const ignore = readFileSync(new URL('../.dockerignore', import.meta.url), 'utf8').split('\n')
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))

describe('Dockerfile', () => {
  it('is multi-stage on a current Node LTS slim image', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:(24|26)-[a-z]+-slim$/m)
    const image = '$' + '{NODE_IMAGE}' // the Dockerfile's own variable, not a template
    expect(instructions.filter((l) => l.startsWith('FROM '))).toEqual([
      `FROM ${image} AS build`,
      `FROM ${image} AS runtime`,
    ])
  })

  it('builds the native module in the build stage and ships production dependencies only', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'))
    expect(dockerfile.slice(0, dockerfile.indexOf('AS runtime'))).toMatch(
      /g\+\+[\s\S]*npm ci[\s\S]*npm prune --omit=dev/,
    )
    expect(runtime).not.toMatch(/npm (ci|install)/)
    expect(runtime).toContain('COPY --from=build /app/node_modules ./node_modules')
  })

  it('runs as a non-root user with a /data volume holding the database', () => {
    expect(instructions).toContain('USER node')
    expect(instructions).toContain('VOLUME ["/data"]')
    expect(dockerfile).toMatch(/JOBVISOR_DB=\/data\/jobvisor\.db/)
    expect(instructions).toContain('EXPOSE 3000')
  })

  it('checks /healthz and runs node under tini, which reaps orphans and forwards SIGTERM to node', () => {
    expect(instructions.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/\/healthz/)
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'))
    expect(runtime).toMatch(/apt-get install -y --no-install-recommends tini/)
    expect(instructions).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]')
    expect(instructions.at(-1)).toBe('CMD ["node", "--max-semi-space-size=32", "dist/server.js"]')
    expect(instructions).toContain('STOPSIGNAL SIGTERM')
  })

  it('keeps local state and secrets out of the build context', () => {
    for (const entry of ['node_modules', 'data', '.env', '*.db', '.git']) expect(ignore).toContain(entry)
  })

  it('runs node with the same flags as `npm start`, the bin and the benchmarks', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    const { SERVICE_NODE_FLAGS } = await import('../bench/lib/child.ts')
    const flags = SERVICE_NODE_FLAGS.join(' ')
    expect(pkg.scripts.start).toContain(`node ${flags} dist/server.js`)
    const bin = readFileSync(new URL(`../${pkg.bin.jobvisor}`, import.meta.url), 'utf8')
    expect(bin.split('\n')[1]).toMatch(new RegExp(`; exec /usr/bin/env node ${flags} "\\$0" "\\$@"$`))
    expect(instructions.at(-1)).toBe(
      `CMD ${JSON.stringify(['node', ...SERVICE_NODE_FLAGS, 'dist/server.js']).replaceAll(',', ', ')}`,
    )
  })
})
