/**
 * The HTTP scaffolding every simulator shares: a loopback server that reads each request body up
 * to a bound (answering 413 and dropping the connection beyond it), delayed replies that die with
 * their response, and a close() that does not wait for hanging replies or keep-alive sockets.
 * Plain node:http so hangs, body limits and socket teardown stay fully under control.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'

/** Writes a whole reply unless the response is already gone. */
export function send(res: ServerResponse, status: number, body: string, type: string, extra: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra })
  res.end(body)
}

export interface LoopbackServerOptions {
  /** Used in log lines and errors, e.g. `population simulator`. */
  name: string
  /** Port on 127.0.0.1; 0 or unset = any free port. */
  port?: number
  log?: Logger
  maxRequestBytes: number
  /** Called when a request arrives, before its body is read (counters, in-flight tracking). */
  onRequest?(req: IncomingMessage, res: ServerResponse, route: string): void
  /** Handles a request whose whole body has been read. */
  handle(req: IncomingMessage, res: ServerResponse, body: string, route: string): void
  /** Answers a request whose handler threw. */
  onCrash(res: ServerResponse, err: unknown): void
}

export interface LoopbackServer {
  url: string
  /** Runs `fn` after `ms` unless the response closes first (or the server closes). */
  delay(res: ServerResponse, ms: number, fn: () => void): void
  close(): Promise<void>
}

export async function startLoopbackServer(options: LoopbackServerOptions): Promise<LoopbackServer> {
  const { maxRequestBytes } = options
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()

  const server = createServer((req, res) => {
    const route = (req.url ?? '/').split('?')[0] ?? '/'
    options.onRequest?.(req, res, route)
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxRequestBytes) {
        req.removeAllListeners('data')
        // Answer, then drop the connection rather than read an unbounded body.
        res.on('finish', () => req.destroy())
        send(res, 413, `request body exceeds ${maxRequestBytes} bytes\n`, 'text/plain; charset=utf-8', { connection: 'close' })
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (size > maxRequestBytes) return
      try {
        options.handle(req, res, Buffer.concat(chunks).toString('utf8'), route)
      } catch (err) {
        options.onCrash(res, err)
      }
    })
    req.on('error', () => res.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error(`${options.name}: no TCP address`)
  const url = `http://127.0.0.1:${address.port}`
  options.log?.info({ url }, `${options.name} listening`)

  return {
    url,
    delay(res, ms, fn) {
      const timer = setTimeout(() => {
        timers.delete(timer)
        fn()
      }, ms)
      timers.add(timer)
      res.on('close', () => {
        clearTimeout(timer)
        timers.delete(timer)
      })
    },
    async close() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Hanging replies and keep-alive sockets would hold close() open forever.
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
}
