/**
 * Several PostgreSQL hosts in one URL, as libpq writes them
 * (`postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write`), for a primary with
 * streaming replicas and a failover manager (Patroni, repmgr, pg_auto_failover) but no proxy in
 * front. node-postgres connects to one host only (brianc/node-postgres#1470 is open; the
 * multi-host pull request #3643 is not merged) and passes such a URL to `new URL`, which refuses
 * it, so the pool gets a `Client` subclass that does what libpq does for every new connection:
 * take the hosts in order and keep the first whose session accepts writes
 * (`pg_is_in_recovery()` off and `transaction_read_only` off). The host found is remembered until a
 * connection to it fails, so a pooled connection costs one extra round trip, and only a failover
 * costs probes. Why not another driver: docs/high-availability.md.
 */
import pg from 'pg'
import type { Logger } from 'pino'

export type SessionAttrs = 'read-write' | 'primary' | 'any'

export interface PgHosts {
  hosts: Array<{ host: string; port: number }>
  targetSessionAttrs: SessionAttrs
  /** The URL with the first host only and no target_session_attrs or options: the other parameters for pg. */
  url: string
  /**
   * The URL's `options` (`-c name=value …`), which the caller must pass on itself: pg lets a URL's
   * `options` replace the pool's, so left in the URL they silently dropped the hub's
   * `search_path` and the ledger was written into `public`.
   */
  options?: string
}

/** The connection cannot be made as the URL asks (SQLSTATE 08001): a 503, never a 500. */
export class NoWritableHostError extends Error {
  override name = 'NoWritableHostError'
  readonly code = '08001'
}

const URL_PARTS = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/i
const HOST_PORT = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i
const SUPPORTED: readonly string[] = ['read-write', 'primary', 'any']

const hostText = (h: { host: string; port: number }) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`

/** Parses a postgres:// URL with one or several hosts; throws with a message that says what to fix. */
export function parsePostgresUrl(url: string): PgHosts {
  const parts = URL_PARTS.exec(url)
  if (!parts) throw new Error('not a postgres:// or postgresql:// URL')
  const [, scheme, auth = '', hostList = '', rest = ''] = parts
  const raw = hostList === '' ? [] : hostList.split(',')
  const hosts = (raw.length === 0 ? ['localhost'] : raw).map((text) => {
    const m = HOST_PORT.exec(text)
    if (!m) throw new Error(`"${text}" is not host or host:port`)
    return { host: decodeURIComponent(m[1]!.replace(/^\[|\]$/g, '')), port: m[2] ? Number(m[2]) : 5432 }
  })
  const q = rest.indexOf('?')
  const params = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1))
  const asked = params.get('target_session_attrs')
  params.delete('target_session_attrs')
  const options = params.get('options') ?? undefined
  params.delete('options')
  // libpq's default is `any`; the ledger writes, so several hosts default to read-write.
  const attrs = asked ?? (hosts.length > 1 ? 'read-write' : 'any')
  if (!SUPPORTED.includes(attrs)) throw new Error(`target_session_attrs=${attrs} is not supported: the ledger writes, use read-write (or primary)`)
  // One host and nothing asked: the URL as given (a socket path, a host in the query, … stay pg's).
  if (raw.length <= 1 && asked === null && options === undefined) return { hosts, targetSessionAttrs: 'any', url }
  const query = params.toString()
  return { hosts, targetSessionAttrs: attrs as SessionAttrs, url: `${scheme}${auth}${raw[0] ?? ''}${q < 0 ? rest : rest.slice(0, q)}${query ? `?${query}` : ''}`, ...(options !== undefined && { options }) }
}

/** Boot check of `database.url`: one line per problem. */
export function postgresUrlProblems(url: string | undefined): string[] {
  if (!url) return []
  try {
    parsePostgresUrl(url)
    return []
  } catch (err) {
    return [`config /database/url: ${(err as Error).message}`]
  }
}

/** Whether this session takes what `attrs` asks for (libpq's checks for read-write and primary). */
async function acceptable(client: pg.Client, attrs: SessionAttrs): Promise<boolean> {
  if (attrs === 'any') return true
  const { rows } = await client.query<{ standby: boolean; ro: string }>(`SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS ro`)
  return !rows[0]!.standby && (attrs === 'primary' || rows[0]!.ro === 'off')
}

/** node-postgres reads host and port at connect time; the connection string set them at construction. */
function pointAt(client: pg.Client, h: { host: string; port: number }): void {
  client.host = h.host
  client.port = h.port
  const params = (client as unknown as { connectionParameters: { host: string; port: number } }).connectionParameters
  params.host = h.host
  params.port = h.port
}

export interface FailoverClients {
  /** The `Client` option of pg.Pool. */
  Client: typeof pg.Client
  /** Forget the host found: the next connection looks again (a connection to it failed). */
  invalidate(): void
}

/**
 * A pg.Client class for `pool.Client` that connects to the first host taking writes. While no
 * host does (the primary is down, no replica promoted yet), connecting fails with
 * NoWritableHostError (08001), which callers answer 503.
 */
export function failoverClients(target: PgHosts, options: { config: pg.ClientConfig; probeTimeoutMs: number; log?: Logger | undefined }): FailoverClients {
  let current: number | undefined
  let discovering: Promise<number> | undefined

  async function probe(index: number): Promise<string | undefined> {
    const client = new pg.Client({ ...options.config, connectionTimeoutMillis: options.probeTimeoutMs })
    pointAt(client, target.hosts[index]!)
    client.on('error', () => undefined)
    try {
      await client.connect()
      return (await acceptable(client, target.targetSessionAttrs)) ? undefined : 'does not accept writes (standby or read-only)'
    } catch (err) {
      return (err as { code?: string }).code ?? (err as Error).message
    } finally {
      await client.end().catch(() => undefined)
    }
  }

  /** Every host in order, as libpq does; the first acceptable one wins. */
  async function discover(): Promise<number> {
    const tried: string[] = []
    for (let i = 0; i < target.hosts.length; i++) {
      const problem = await probe(i)
      if (problem === undefined) {
        if (current !== i) options.log?.info({ host: hostText(target.hosts[i]!) }, 'PostgreSQL: connections go to this host, the first that accepts writes')
        current = i
        return i
      }
      tried.push(`${hostText(target.hosts[i]!)} ${problem}`)
    }
    throw new NoWritableHostError(`No PostgreSQL host accepts writes now (${tried.join('; ')}); a failover may be under way.`)
  }

  class FailoverClient extends pg.Client {
    override connect(): Promise<pg.Client>
    override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void
    override connect(callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): Promise<pg.Client> | void {
      const done = this.connectToWritable()
      if (!callback) return done
      done.then((c) => (callback as (err: null, c: pg.Client) => void)(null, c), (err: Error) => (callback as (err: Error) => void)(err))
    }

    private async connectToWritable(): Promise<pg.Client> {
      const index = current ?? (await (discovering ??= discover().finally(() => { discovering = undefined })))
      const host = target.hosts[index]!
      pointAt(this, host)
      // Until connect() returns, no one listens for 'error' on this client (pg-pool adds its
      // listener in the connect callback): a primary that stops between the handshake and the
      // check below makes pg emit "Connection terminated unexpectedly" here, which unheard would
      // crash the process. The failed check rejects on its own; this listener only hears it.
      const duringConnect = () => undefined
      this.on('error', duringConnect)
      try {
        await super.connect()
        if (!(await acceptable(this, target.targetSessionAttrs))) throw new NoWritableHostError(`PostgreSQL at ${hostText(host)} no longer accepts writes; looking for the new primary.`)
        return this
      } catch (err) {
        if (current === index) current = undefined
        await this.end().catch(() => undefined) // a client that failed to connect is never used
        throw err
      } finally {
        this.off('error', duringConnect)
      }
    }
  }

  return {
    Client: FailoverClient,
    invalidate() {
      current = undefined
    },
  }
}
