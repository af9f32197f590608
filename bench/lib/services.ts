import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import net from 'node:net'
import pg from 'pg'
import { sleep } from './stats.ts'

export const REDIS = { host: '127.0.0.1', port: 6379 }
export const POSTGRES_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const run = (cmd: string, args: string[]) =>
  new Promise<void>((resolve, reject) => {
    execFile(cmd, args, { timeout: 20_000 }, (err) => (err ? reject(err) : resolve()))
  })

/** Whether Redis answers PING on 127.0.0.1:6379 (the smoke test asks too: a skip then is a failure). */
export function redisPing(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(REDIS.port, REDIS.host)
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data: Buffer) => done(data.toString().startsWith('+PONG')))
  })
}

/** Whether PostgreSQL accepts POSTGRES_URL and answers a query. */
export async function postgresPing(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

async function pollUntil(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(200)
  }
  return check()
}

/** null when Redis answers on 127.0.0.1:6379 (starting it if needed); otherwise why not. */
export async function ensureRedis(): Promise<string | null> {
  if (await redisPing()) return null
  try {
    await run('redis-server', [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '-::1',
      '--port',
      String(REDIS.port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      '/var/lib/redis',
      '--logfile',
      '/var/log/redis/ci.log',
    ])
  } catch (err) {
    return `Redis unreachable on 127.0.0.1:6379 and could not be started (${(err as Error).message})`
  }
  return (await pollUntil(redisPing, 5000)) ? null : 'Redis unreachable on 127.0.0.1:6379 after starting it'
}

/** null when PostgreSQL accepts POSTGRES_URL (starting the local cluster if needed); otherwise why not. */
export async function ensurePostgres(): Promise<string | null> {
  if (await postgresPing()) return null
  try {
    const version = readdirSync('/etc/postgresql')[0]
    if (!version) throw new Error('no cluster in /etc/postgresql')
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'])
  } catch (err) {
    return `PostgreSQL unreachable at ${POSTGRES_URL} and could not be started (${(err as Error).message})`
  }
  return (await pollUntil(postgresPing, 10_000)) ? null : `PostgreSQL unreachable at ${POSTGRES_URL}`
}

/** A new, empty database on the local server for one contestant's run; `drop()` removes it. */
export async function freshBenchDatabase(tag: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `jobvisor_bench_${tag}_${process.pid}_${Date.now().toString(36)}`
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: POSTGRES_URL })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
  await admin(`CREATE DATABASE ${name}`)
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}
