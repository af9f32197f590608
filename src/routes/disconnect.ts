import type { FastifyReply } from 'fastify'

/**
 * An AbortSignal that fires when the client goes away before the reply is sent. Fastify's
 * `request.signal` listens to the request stream's `close`, which on Node 20 fires as soon as a
 * POST body has been read — too early for a long poll — so we watch the response instead.
 */
export function clientGoneSignal(reply: FastifyReply): {
  signal: AbortSignal
  /** Ends it for another reason too (the service shutting down). */
  abort(reason: Error): void
  release(): void
} {
  const controller = new AbortController()
  const res = reply.raw
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'))
  }
  res.once('close', onClose)
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    release: () => res.off('close', onClose),
  }
}
