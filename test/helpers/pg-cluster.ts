import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The newest installed server's binaries (Debian: /usr/lib/postgresql/<major>/bin). */
function binDir(): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const majors = readdirSync(root).sort((a, b) => Number(b) - Number(a))
  for (const major of majors)
    if (existsSync(join(root, major, 'bin', 'pg_ctl'))) return join(root, major, 'bin')
  return null
}

/**
 * A private PostgreSQL cluster in a temporary directory, on its own port, run as the `postgres`
 * OS user: a test may stop and restart it without touching the machine's server.
 */
export class PgCluster {
  readonly port: number
  readonly #dir: string
  readonly #bin: string

  private constructor(bin: string, dir: string, port: number) {
    this.#bin = bin
    this.#dir = dir
    this.port = port
  }

  /** The cluster, or why none can be made here (no server binaries, no postgres user, not root). */
  static create(): PgCluster | string {
    const bin = binDir()
    if (bin === null) return 'no PostgreSQL server binaries under /usr/lib/postgresql'
    if (process.getuid?.() !== 0) return 'not root: cannot run a cluster as the postgres user'
    if (spawnSync('id', ['postgres']).status !== 0) return 'no postgres OS user'
    const dir = mkdtempSync(join(tmpdir(), 'jobvisor-pg-'))
    execFileSync('chown', ['postgres', dir])
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    const cluster = new PgCluster(bin, dir, port)
    cluster.#asPostgres('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync'])
    cluster.start()
    return cluster
  }

  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`
  }

  start(): void {
    this.#asPostgres('pg_ctl', [
      '-D',
      join(this.#dir, 'data'),
      '-o',
      `-p ${this.port} -k ${this.#dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-l',
      join(this.#dir, 'log'),
      '-w',
      'start',
    ])
  }

  /** A fast stop: open connections are cut, as in a crash or failover. */
  stop(): void {
    this.#asPostgres('pg_ctl', ['-D', join(this.#dir, 'data'), '-m', 'fast', '-w', 'stop'])
  }

  destroy(): void {
    try {
      this.#asPostgres('pg_ctl', ['-D', join(this.#dir, 'data'), '-m', 'immediate', '-w', 'stop'])
    } catch {}
    rmSync(this.#dir, { recursive: true, force: true })
  }

  #asPostgres(tool: string, args: string[]): void {
    execFileSync('runuser', ['-u', 'postgres', '--', join(this.#bin, tool), ...args], { stdio: 'ignore' })
  }
}
