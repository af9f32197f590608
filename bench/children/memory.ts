/** RSS after a full collection; needs --expose-gc. */
export async function settledRss(): Promise<{ rss: number; heapUsed: number }> {
  const gc = globalThis.gc
  if (!gc) throw new Error('run with --expose-gc')
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const { rss, heapUsed } = process.memoryUsage()
  return { rss, heapUsed }
}
