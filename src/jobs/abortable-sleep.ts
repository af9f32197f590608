/**
 * Resolves after `ms`; rejects with the signal's own reason (CancelledError/TimeoutError/
 * ShutdownError), not node's AbortError wrapper, as soon as `signal` aborts. Hand-made rather
 * than timers/promises' `delay`: a sleeping job is the common in-flight job, and this holds a
 * timer, a listener and a promise, no more (P6). `ctx.sleep` of both contexts (main, worker).
 */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
