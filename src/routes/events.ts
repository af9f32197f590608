import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { JobEvent } from '../jobs/events.ts'
import { JOB_EVENT_NAMES } from '../jobs/events.ts'
import type { EventFilter, EventHub, HubSource } from './event-hub.ts'
import { documentedAs } from './openapi/json-schema.ts'
import { HttpProblem } from './problem.ts'
import { ProblemBody, toJobView } from './schemas.ts'
import { SseStream } from './sse-stream.ts'

/** Job events as the hub sees them: `data` is `{ type, job: JobView }`, rendered only when watched. */
export const jobEventSource: HubSource<JobEvent> = {
  types: JOB_EVENT_NAMES,
  toEvent: ({ type, job }) => ({
    type,
    jobId: job.id,
    scheduleId: job.scheduleId,
    data: () => ({ type, job: toJobView(job) }),
  }),
}

export interface EventsRouteOptions {
  hub: EventHub
  /** JOBVISOR_MAX_SSE_STREAMS: open streams beyond which a new one gets 503 (QUALITY S6). */
  maxStreams: number
  /** Heartbeat interval; 15 s stays under the 30–60 s idle timeouts of common proxies and balancers. */
  heartbeatMs?: number
  /** Reconnect delay suggested to clients. */
  retryMs?: number
  /** Characters queued for a slow client before it is dropped; 1 Mi ≈ one large job event. */
  maxQueued?: number
}

/** A Last-Event-ID is an id this stream sent: digits, within the safe integer range. */
const EventId = z
  .string()
  .regex(/^\d{0,16}$/, 'expected the id of an event sent by this stream')
  .transform((s) => (s === '' ? undefined : Number(s)))
  .refine(
    (n) => n === undefined || Number.isSafeInteger(n),
    'expected the id of an event sent by this stream',
  )

/**
 * `GET /v1/events`. SSE is written by hand on the hijacked response rather than with a plugin:
 * the framing is a few lines, and owning the socket is what gives us the bounded queue, the
 * heartbeat and the release on disconnect that a plugin would hide.
 */
export const eventsRoutes: FastifyPluginAsyncZod<EventsRouteOptions> = async (app, options) => {
  const { hub, maxStreams } = options
  const streams = new Set<SseStream>()
  // Before the server stops accepting: end streams cleanly so clients reconnect elsewhere.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end()
  })

  // A comma list (`types=a,b`) or repeated (`types=a&types=b`, how generated clients send arrays).
  const TypesText = z.union([z.string().max(2000), z.array(z.string().max(200)).max(100)])
  const Types = TypesText.transform((raw, ctx) => {
    const names = [raw]
      .flat()
      .flatMap((part) => part.split(','))
      .map((name) => name.trim())
      .filter(Boolean)
    const unknown = names.filter((name) => !hub.knownTypes.has(name))
    if (unknown.length > 0) {
      const known = [...hub.knownTypes].join(', ')
      ctx.addIssue({
        code: 'custom',
        message: `unknown event type ${unknown.join(', ')} (known: ${known})`,
      })
      return z.NEVER
    }
    return names.length > 0 ? new Set(names) : undefined
  })
  const TypesDoc = documentedAs(Types, {
    type: 'array',
    items: { type: 'string', enum: [...hub.knownTypes] },
    description: 'Event types, repeated or comma-separated, e.g. `job:finished,schedule:tick`',
  })

  app.get(
    '/events',
    {
      schema: {
        summary: 'Live job and schedule changes (Server-Sent Events)',
        operationId: 'streamEvents',
        description: `Each event has an \`id\`, an \`event\` line with its type and \`data\` JSON such as
\`{ "type": "job:finished", "job": Job }\`. Reconnect with \`Last-Event-ID\` (or \`lastEventId\`) to get the
events missed since, from a buffer of the last 10,000; when the id is older than the buffer the stream
starts with an \`event: reset\`: re-list, then carry on. A \`: ping\` comment comes every 15 s.`,
        tags: ['operations'],
        querystring: z.object({
          jobId: z.string().min(1).max(100).optional().describe('Only events of this job'),
          scheduleId: z
            .string()
            .min(1)
            .max(100)
            .optional()
            .describe('Only events of this schedule and its runs'),
          types: TypesDoc.optional(),
          lastEventId: EventId.optional().describe(
            'Resume after this id, for clients that cannot set headers',
          ),
        }),
        headers: z.looseObject({ 'last-event-id': EventId.optional() }),
        response: {
          200: {
            description: 'text/event-stream: one frame per event, until the client disconnects',
            content: { 'text/event-stream': { schema: z.string() } },
          },
          503: ProblemBody,
        },
      },
    },
    async (req, reply) => {
      // A HEAD has no body to stream: answer with the stream's headers and hold nothing.
      if (req.method === 'HEAD')
        return reply.type('text/event-stream').header('cache-control', 'no-cache').send('')
      if (streams.size >= maxStreams) {
        throw new HttpProblem(
          503,
          'Service Unavailable',
          `all ${maxStreams} event streams are in use; retry later`,
          undefined,
          {
            'retry-after': '5',
          },
        )
      }
      const { jobId, scheduleId, types, lastEventId } = req.query
      // On reconnect an EventSource sends the header, while its URL still holds the first lastEventId.
      const after = req.headers['last-event-id'] ?? lastEventId
      startStream(req, reply, { jobId, scheduleId, types }, after)
    },
  )

  function startStream(req: FastifyRequest, reply: FastifyReply, filter: EventFilter, after?: number): void {
    reply.hijack()
    const res = reply.raw
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) res.setHeader(name, value)
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // nginx buffers proxied responses by default, which would hold events back.
      'x-accel-buffering': 'no',
    })
    const openedAt = Date.now()
    let stream: SseStream | undefined
    const subscription = hub.subscribe(filter, (event) => stream?.send(event), after)
    stream = new SseStream(
      res,
      {
        heartbeatMs: options.heartbeatMs ?? 15_000,
        retryMs: options.retryMs ?? 3000,
        maxQueued: options.maxQueued ?? 1024 * 1024,
      },
      (reason) => {
        subscription.unsubscribe()
        if (stream) streams.delete(stream)
        const fields = { reason, durationMs: Date.now() - openedAt }
        if (reason === 'slow') req.log.warn(fields, 'event stream dropped')
        else req.log.info(fields, 'event stream closed')
      },
    )
    if (stream.isClosed) return // the client left before we subscribed; onClose has released it
    streams.add(stream)
    stream.open(subscription.resume, subscription.position)
    req.log.info(
      { filter: { ...filter, types: filter.types && [...filter.types] }, after },
      'event stream opened',
    )
  }
}
