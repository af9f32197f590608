import type { FastifyReply } from 'fastify'

/**
 * An AbortSignal that fires when the client goes away before the reply is sent. Fastify's
 * `request.signal` listens to the request stream's `close`, which on Node 20 fires as soon as a
 * POST body has been read — too early for a long poll — so we watch the response instead.
 */
export function clientGoneSignal(reply: FastifyReply): { signal: AbortSignal; release(): void } {
  const controller = new AbortController()
  const res = reply.raw
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'))
  }
  res.once('close', onClose)
  return { signal: controller.signal, release: () => res.off('close', onClose) }
}
