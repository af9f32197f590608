import { execFile } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, exitWithin, startServer } from './helpers/server-process.ts'
import { ROOT } from './helpers/user-project.ts'

const run = promisify(execFile)
const SQLITE_BINDING = join('better-sqlite3', 'build', 'Release', 'better_sqlite3.node')

/** The public API of SPEC §9, exactly: the values (types vanish at run time). */
const EXPORTS = [
  'CancelledError',
  'ShutdownError',
  'TimeoutError',
  'createJobvisor',
  'defineJobType',
  'jobvisorPlugin',
  'z',
]

let project = ''
let packed: string[] = []

/**
 * `npm pack` (dist/ is already built by the global setup, so no prepack), then an `npm install`
 * of the tarball into a fresh project, as a user would. Dependencies come from the npm cache, the
 * registry answering for what is missing. Install scripts are skipped: better-sqlite3 would
 * compile SQLite for minutes (no prebuilt binary can be downloaded here), so the same version is
 * installed and this repository's compiled binding copied in — the one file a build would make.
 */
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobvisor-pack-'))
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: ROOT,
  })
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[]
  if (!info) throw new Error(`npm pack printed no result: ${stdout}`)
  packed = info.files.map((f) => f.path)
  project = join(dir, 'project')
  mkdirSync(project)
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  )
  const sqlite = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8'),
  )
  await run(
    'npm',
    [
      'install',
      join(dir, info.filename),
      `better-sqlite3@${sqlite.version}`,
      '--prefer-offline',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    { cwd: project, timeout: 180_000 },
  )
  mkdirSync(join(project, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true })
  copyFileSync(join(ROOT, 'node_modules', SQLITE_BINDING), join(project, 'node_modules', SQLITE_BINDING))
  cpSync(join(ROOT, 'examples'), join(project, 'examples'), { recursive: true })
}, 240_000)

afterAll(() => {
  if (project) rmSync(join(project, '..'), { recursive: true, force: true })
})

describe('the npm package (SPEC §9)', { timeout: 60_000 }, () => {
  it('ships what a user needs: the build with its declarations, the bin, the README; no sources, tests or maps', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'bin/jobvisor.mjs',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/server.js',
        'dist/jobs/worker/entry.js',
        'dist/store/sqlite/migrations/0001_init.sql',
      ]),
    )
    expect(
      packed.filter(
        (p) => !p.startsWith('dist/') && !['package.json', 'README.md', 'bin/jobvisor.mjs'].includes(p),
      ),
    ).toEqual([])
    expect(packed.filter((p) => p.endsWith('.map') || (p.endsWith('.ts') && !p.endsWith('.d.ts')))).toEqual(
      [],
    )
  })

  it("`import 'jobvisor'` in the installed project gives exactly SPEC §9's exports", async () => {
    const { stdout } = await run(
      process.execPath,
      ['-e', "import('jobvisor').then((m) => console.log(JSON.stringify(Object.keys(m).sort())))"],
      { cwd: project },
    )
    expect(JSON.parse(stdout)).toEqual(EXPORTS)
  })

  it('runs the embedding example with its worker type, and stops on SIGTERM', async () => {
    const server = await startServer(
      { JOBVISOR_DB: ':memory:' },
      { args: ['examples/embed.mjs'], cwd: project },
    )
    const created = await call<{ id: string }>(server, 'POST', '/v1/jobs', {
      type: 'example.hash',
      params: { sizeMiB: 1, rounds: 5 },
    })
    expect(created.status).toBe(201)
    const waited = await call<{ done: { state: string; result: { rounds: number; digest: string } }[] }>(
      server,
      'POST',
      '/v1/jobs/wait',
      { ids: [created.body.id], timeoutMs: 20_000 },
    )
    expect(waited.body.done[0]).toMatchObject({
      state: 'succeeded',
      result: { rounds: 5, digest: expect.stringMatching(/^[0-9a-f]{64}$/) },
    })
    server.child.kill('SIGTERM')
    expect(await exitWithin(server, 15_000)).toEqual({ code: 0, signal: null })
  })

  it('`jobvisor` (the bin) is one node process with the flag of `npm start`, reading JOBVISOR_TYPES', async () => {
    const server = await startServer(
      { JOBVISOR_DB: ':memory:', JOBVISOR_TYPES: 'examples/job-types.mjs' },
      { command: join(project, 'node_modules', '.bin', 'jobvisor'), args: [], cwd: project },
    )
    // sh exec'd node in place: the pid we started is node itself, so SIGTERM reaches it directly.
    const cmdline = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0')
    expect(cmdline.slice(0, 2)).toEqual(['node', '--max-semi-space-size=32'])
    const types = await call<{ items: { name: string }[] }>(server, 'GET', '/v1/job-types')
    expect(types.body.items.map((t) => t.name)).toContain('example.greet')
    server.child.kill('SIGTERM')
    expect(await exitWithin(server, 15_000)).toEqual({ code: 0, signal: null })
  })

  it('its declarations type-check a TypeScript consumer (strict, NodeNext)', async () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      [
        "import { createJobvisor, defineJobType, type JobContext, z } from 'jobvisor'",
        'export const report = defineJobType({',
        "  name: 'report', description: 'typed params',",
        '  params: z.object({ day: z.string(), rows: z.number().int().default(1) }),',
        '  async run({ day, rows }, ctx: JobContext) {',
        '    ctx.progress(rows, day.toUpperCase())',
        // Fails the compile if the declarations did not resolve (params would be `any`).
        '    // @ts-expect-error rows is a number',
        '    rows.toUpperCase()',
        '    return { day }',
        '  },',
        '})',
        'export const url: Promise<string> = createJobvisor({ types: [report] }).then((j) => j.start())',
      ].join('\n'),
    )
    const tsconfig = {
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      files: ['consumer.ts'],
    }
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig))
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    await expect(run(process.execPath, [tsc, '-p', project], { cwd: project })).resolves.toBeDefined()
  })
})
