import { type ServerResponse, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionError, FastifyInstance } from 'fastify'
import type { FieldIssue } from './problem.ts'

/** What a request Node could not parse gets: status, the part at fault and why. */
interface ClientProblem {
  status: number
  path: string
  detail: string
}

/**
 * Node's parser (llhttp) errors, by code. Everything else it refuses is a 400 "malformed request":
 * the request never reached a route, so no handler-level field can be named.
 */
function classify(code: string): ClientProblem {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        path: 'request',
        detail: 'the request did not arrive in time (JOBVISOR_REQUEST_TIMEOUT_MS)',
      }
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, path: 'headers', detail: 'the request headers are too large' }
    case 'HPE_INVALID_METHOD':
      // 400, not RFC 9110's 501: an unparseable method is bad client input, and client input never
      // gets a 5xx here (QUALITY R1). A parseable method no route has is a 404 from the router.
      return { status: 400, path: 'method', detail: 'unknown HTTP method' }
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_HEADER_VALUE':
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
      return { status: 400, path: 'headers', detail: 'a header holds a character HTTP does not allow' }
    case 'HPE_INVALID_URL':
      return { status: 400, path: 'url', detail: 'the request target is not a valid URL' }
    default:
      return { status: 400, path: 'request', detail: 'malformed HTTP request' }
  }
}

/**
 * Fastify's `clientErrorHandler`: the answers Node would write itself (431, a bad method or header,
 * a request that took too long to arrive) become application/problem+json like every other error.
 * The connection is closed after the answer: the parser state is lost, so nothing more can be read.
 */
export function clientErrorHandler(this: FastifyInstance, err: ConnectionError, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const { status, path, detail } = classify(err.code)
  this.log.debug({ code: err.code, status }, 'malformed request refused')
  const errors: FieldIssue[] = [{ path, message: detail }]
  const title = STATUS_CODES[status] ?? 'Bad Request'
  const body = JSON.stringify({ type: 'about:blank', title, status, detail, errors })
  // Node's own rule: no second answer on a socket whose response has started (e.g. a 401 sent
  // while the body still trickled in), and none on a socket that cannot be written.
  const inProgress = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  if (!socket.writable || inProgress?.headersSent) {
    socket.destroy()
    return
  }
  const head = [
    `HTTP/1.1 ${status} ${title}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ]
  // An answer to HEAD has no body (RFC 9110 §9.3.2); clients read one as a broken next response.
  const isHead = Buffer.isBuffer(err.rawPacket) && err.rawPacket.toString('latin1', 0, 5) === 'HEAD '
  // end() flushes the answer before the socket goes; destroy() right away could drop it.
  socket.end(`${head.join('\r\n')}\r\n\r\n${isHead ? '' : body}`, () => socket.destroy())
}
