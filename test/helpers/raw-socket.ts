import { connect, type Socket } from 'node:net'
import { waitFor } from './wait-for.ts'

/**
 * A client on a bare TCP socket, for what an HTTP client library will not send: trickled bytes,
 * oversized or malformed heads. Records what came back and whether the server closed the socket.
 */
export class RawClient {
  received = ''
  /** The server ended or reset the connection. */
  closed = false
  #trickle: NodeJS.Timeout | undefined

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      this.received += chunk
    })
    const onClosed = () => {
      this.closed = true
      clearInterval(this.#trickle)
    }
    socket.on('end', onClosed)
    socket.on('close', onClosed)
    socket.on('error', onClosed)
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)))
      socket.once('error', reject)
    })
  }

  send(text: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(text)
  }

  /** Sends one byte of `fill` every `everyMs` until the server closes the socket. */
  trickle(everyMs: number, fill = 'x'): void {
    this.#trickle = setInterval(() => this.send(fill), everyMs)
  }

  /** Status code of the first response received, or undefined before one came. */
  get status(): number | undefined {
    const match = /^HTTP\/1\.1 (\d{3})/.exec(this.received)
    return match ? Number(match[1]) : undefined
  }

  /** The first response's headers, lower-case names. */
  get headers(): Record<string, string> {
    const head = this.received.split('\r\n\r\n')[0] ?? ''
    return Object.fromEntries(
      head
        .split('\r\n')
        .slice(1)
        .map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
    )
  }

  /** The first response's body parsed as JSON. */
  get json(): Record<string, unknown> {
    return JSON.parse(this.received.slice(this.received.indexOf('\r\n\r\n') + 4))
  }

  async untilClosed(timeoutMs = 5000): Promise<void> {
    await waitFor(() => this.closed, { timeoutMs })
  }

  destroy(): void {
    clearInterval(this.#trickle)
    this.socket.destroy()
  }
}

/** A request head that announces a body of `length` bytes. */
export const postHead = (path: string, length: number, headers: Record<string, string> = {}) =>
  [
    `POST ${path} HTTP/1.1`,
    'Host: localhost',
    'Content-Type: application/json',
    `Content-Length: ${length}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n')
