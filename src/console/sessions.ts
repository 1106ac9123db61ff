/**
 * Console sessions: an operator signs in once with an admin API key and gets a random session
 * token in an HttpOnly cookie; the browser never holds the key (not in storage, not in script).
 * Redis keeps only the token's SHA-256 with the client's name and the officer who signed in, so
 * every replica recognises the session and a Redis dump does not hold usable tokens. A session
 * ends on sign-out, after `idleMs` without a request, or `maxMs` after sign-in, whichever is first.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { RedisClient } from '../redis.js'

export interface ConsoleSession {
  /** The API client whose key signed in (its scopes apply). */
  client: string
  /** The accountable officer named at sign-in; every console request is audited under it. */
  officerId: string
  /** Epoch ms. */
  createdAt: number
  /** Epoch ms: the hard end, whatever the activity. */
  expiresAt: number
}

export interface SessionStore {
  create(who: { client: string; officerId: string }): Promise<{ token: string; session: ConsoleSession }>
  /** The live session of a token (its idle timer restarted), or undefined. */
  resolve(token: string): Promise<ConsoleSession | undefined>
  /** Ends a session; false when there was none. */
  destroy(token: string): Promise<boolean>
}

export interface SessionTimes {
  idleMs: number
  maxMs: number
}

/** 32 random bytes, base64url: what `create` hands out and the only shape `resolve` looks up. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/
const digest = (token: string) => createHash('sha256').update(token).digest('hex')

export function createSessionStore(redis: RedisClient, keyPrefix: string, times: SessionTimes, now: () => number = Date.now): SessionStore {
  const key = (token: string) => `${keyPrefix}console:session:${digest(token)}`
  return {
    async create(who) {
      const token = randomBytes(32).toString('base64url')
      const createdAt = now()
      const session: ConsoleSession = { client: who.client, officerId: who.officerId, createdAt, expiresAt: createdAt + times.maxMs }
      await redis.set(key(token), JSON.stringify(session), 'PX', Math.min(times.idleMs, times.maxMs))
      return { token, session }
    },
    async resolve(token) {
      if (!TOKEN.test(token)) return undefined
      const raw = await redis.get(key(token))
      if (raw === null) return undefined
      let session: ConsoleSession
      try {
        session = JSON.parse(raw) as ConsoleSession
      } catch {
        return undefined
      }
      const left = session.expiresAt - now()
      if (!(left > 0)) {
        await redis.del(key(token))
        return undefined
      }
      await redis.pexpire(key(token), Math.min(times.idleMs, left))
      return session
    },
    async destroy(token) {
      if (!TOKEN.test(token)) return false
      return (await redis.del(key(token))) > 0
    },
  }
}
