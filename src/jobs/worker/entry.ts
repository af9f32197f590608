/**
 * The module each worker thread of the pool loads (piscina calls its default export once per
 * task). It imports the job type's module by URL — cached after the first run, as any ESM import
 * — and runs the handler with a WorkerJobContext. Everything the run says goes to the main thread
 * on the thread's port (see messages.ts), ending with exactly one `result` or `error`: posting the
 * result ourselves, rather than returning it to piscina, keeps it in order after the run's last
 * log line, and lets a value that cannot be cloned fail the job with a clear error instead of
 * crashing the thread.
 */
import { getPriority, setPriority } from 'node:os'
import { MessageChannel, parentPort, threadId } from 'node:worker_threads'
import type { AnyJobType } from '../define.ts'
import { jobTypesOf } from '../type-modules.ts'
import { type Report, WorkerJobContext } from './context.ts'
import {
  type ControlMessage,
  type RunMessage,
  type RunReport,
  type ThreadPortMessage,
  toErrorRecord,
  type WorkerTask,
} from './messages.ts'

if (!parentPort) throw new Error('the jobvisor worker entry runs in a worker thread only')
const toMain = parentPort

/** nice(2) step for worker threads: 10 is what `nice` uses by default for background work. */
const NICE_INCREMENT = 10
// Linux keeps a nice value per thread, and pid 0 names the calling thread: this lowers only this
// one, so while runs spin the event loop still gets a core at once — HTTP, timers and every
// in-process job keep their latency (bench P9). Where that is refused, runs keep normal priority.
try {
  setPriority(0, Math.min(getPriority(0) + NICE_INCREMENT, 19))
} catch {}

/** The one run this thread executes now (piscina gives a thread one task at a time). */
let current: WorkerJobContext | null = null

// The thread's port: runs report on it, the main thread sends their aborts and stops on it.
const channel = new MessageChannel()
const port = channel.port1
port.on('message', (message: ControlMessage) => {
  // A late message for a run that already ended is dropped.
  if (current?.jobId === message.jobId) current.control(message)
})
toMain.postMessage({ kind: 'thread-port', threadId, port: channel.port2 } satisfies ThreadPortMessage, [
  channel.port2,
])

const types = new Map<string, AnyJobType>()

async function findType(module: string, typeName: string): Promise<AnyJobType> {
  const key = `${module}#${typeName}`
  const known = types.get(key)
  if (known) return known
  const namespace = (await import(module)) as { default?: unknown }
  const found = jobTypesOf(namespace.default)
  const type = 'types' in found ? found.types.find((t) => t.name === typeName) : undefined
  if (!type) throw new Error(`job type ${typeName} is not exported by ${module} in the worker thread`)
  types.set(key, type)
  return type
}

function reporter(jobId: string): Report {
  return (report: RunReport) => {
    try {
      // Not `{ ...report, jobId }`: a spread with a property after it costs ~0.5 µs on Node 20.
      port.postMessage(Object.assign({ jobId }, report) as RunMessage)
      return null
    } catch (err) {
      if (err instanceof Error && err.name === 'DataCloneError') return err.message
      throw err
    }
  }
}

export default async function runTask(task: WorkerTask): Promise<void> {
  const report = reporter(task.jobId)
  const ctx = new WorkerJobContext(task.jobId, task.attempt, report)
  current = ctx
  report({ kind: 'started', threadId })
  try {
    const type = await findType(task.module, task.typeName)
    const value = await type.run(task.params, ctx)
    const notCloneable = report({ kind: 'result', value })
    if (notCloneable !== null) {
      const message = `the result cannot leave the worker thread, it is not structured-cloneable: ${notCloneable}`
      report({ kind: 'error', error: { name: 'ResultError', message, code: 'result_not_cloneable' } })
    }
  } catch (err) {
    report({ kind: 'error', error: toErrorRecord(err) })
  } finally {
    current = null
  }
}
