/**
 * PostgreSQL high availability: the hub's database URL names a primary and its streaming replica
 * (`…@h1,h2/…?target_session_attrs=read-write`). The primary is stopped (`pg_ctl stop -m
 * immediate`: a crash) during a burst of dossier PUTs and signed webhooks; two seconds later the
 * replica is promoted, as a failover manager would. The hub must find the new primary by itself,
 * answer 503 with Retry-After (never 500) while no host takes writes, and deliver every change
 * it answered 202: replication is synchronous, so each of them is on the replica. A PUT whose
 * COMMIT answer was lost is answered 503 yet may have committed; so the check is that each
 * dossier's delivered version is the one the new primary holds, and at least the latest answered 202.
 */
import t from 'tap'
import pg from 'pg'
import { startFaultHub, sleep } from '../helpers/fault-hub.js'
import { startLoad, portalVersions } from '../helpers/load.js'
import { waitFor } from '../helpers/dossier.js'
import { startPgPair } from '../helpers/pg-replica.js'
import { createPostgresDb } from '../../src/db/postgres.js'

const ONE_STOP = `whsec_${Buffer.from('fault-pg-failover-one-stop-not-real').toString('base64')}`
const PROMOTE_AFTER_MS = 2000

t.test('PostgreSQL primary stopped under load, replica promoted: the hub follows, 503 meanwhile, every 202 delivered', async (t) => {
  const pair = await startPgPair()
  t.teardown(() => pair.remove())
  const { hub, receiver, crashes } = await startFaultHub(t, {
    secret: ONE_STOP, logLevel: 'error',
    overrides: { database: { url: pair.url, schema: 'failover', poolSize: 6 } },
  })

  // The hosts in either order: a standby listed first is skipped, as libpq does.
  const standbyFirst = await createPostgresDb({ url: `postgres://postgres@${new URL(pair.replicaUrl).host},${new URL(pair.primaryUrl).host}/postgres`, schema: 'failover', poolSize: 1 })
  const { rows: [server] } = await standbyFirst.query<{ port: number }>('SELECT inet_server_port() AS port')
  await standbyFirst.close()
  t.equal(Number(server!.port), Number(new URL(pair.primaryUrl).port), 'with the standby listed first, connections go to the primary')

  const load = startLoad(hub, { dossiers: 40, tag: 'pgfail' })
  await sleep(1000)
  const stoppedAt = Date.now()
  await pair.stopPrimary('immediate')
  // Meanwhile: no host takes writes; a read route answers 503 with Retry-After, not 500.
  await sleep(300)
  const during = await hub.call('/v1/dossiers?syncState=pending')
  t.strictSame([during.status, Boolean(during.headers.get('retry-after'))], [503, true], 'a read during the switch: 503 with Retry-After')
  await sleep(Math.max(0, PROMOTE_AFTER_MS - (Date.now() - stoppedAt)))
  const promotedAt = Date.now()
  await pair.promoteReplica()

  let readyMs = -1
  for (const deadline = Date.now() + 30_000; Date.now() < deadline && readyMs < 0;) {
    if ((await hub.call('/readyz')).status === 200) readyMs = Date.now() - promotedAt
    else await sleep(100)
  }
  t.ok(readyMs >= 0, `ready again ${readyMs} ms after the promotion`)
  await sleep(1500)
  const result = await load.stop()

  const after = (from: number, kind: 'put' | 'webhook') => result.timeline.filter((e) => e.kind === kind && e.sent >= from && e.status === 202).sort((a, b) => a.at - b.at)[0]
  const firstPut = after(promotedAt, 'put')
  const firstHook = after(promotedAt, 'webhook')
  const switchAnswers = result.timeline.filter((e) => e.at >= stoppedAt && e.sent <= (firstPut?.at ?? Infinity))
  const count503 = (kind: string) => switchAnswers.filter((e) => e.status === 503 && e.kind === kind).length
  t.comment(`pg failover: stop→promote ${promotedAt - stoppedAt} ms; promote→/readyz 200 ${readyMs} ms; promote→first 202 PUT ${firstPut ? firstPut.at - promotedAt : -1} ms, webhook ${firstHook ? firstHook.at - promotedAt : -1} ms; ` +
    `503s during the switch: ${count503('put')} PUTs, ${count503('webhook')} webhooks of ${switchAnswers.length} answers; all statuses ${JSON.stringify([...result.statuses])}`)
  t.strictSame(result.failures, [], 'no 5xx other than 503, every 503 with Retry-After')
  t.strictSame(crashes, [], 'the process never crashed')
  // A write in flight during the switch is either retried onto the new primary within
  // database.failoverRetryMs (202) or answered 503 with Retry-After; how many of each depends on
  // how long the switch takes on the machine, so only the read above pins the 503 itself.
  t.strictSame([...result.statuses.keys()].filter((s) => s !== 202 && s !== 503), [], 'the load saw only 202 and 503')
  t.ok(firstPut !== undefined && firstHook !== undefined, 'PUTs and webhooks are accepted again on the new primary')

  // What the new primary holds is what was committed; every version answered 202 is among it.
  const ledger = new pg.Client({ connectionString: pair.replicaUrl })
  await ledger.connect()
  t.teardown(() => ledger.end())
  const held = new Map((await ledger.query<{ code: string; version: string }>('SELECT code, version FROM failover.dossiers')).rows.map((r) => [r.code, Number(r.version)]))
  const lost = [...result.accepted].filter(([code, version]) => (held.get(code) ?? 0) < version)
  t.strictSame(lost, [], 'every version answered 202 is on the new primary')
  await waitFor('every dossier delivered at the version the new primary holds', async () => {
    for (const [code, version] of held) if ((await portalVersions(hub, code)).at(-1) !== version) return false
    return true
  }, 60_000, 300)
  // Zero stale deliveries: no version reaches the portal after a newer one. A version may arrive
  // twice when the primary stopped between its delivery and the commit that records it (at least
  // once; the portal takes a snapshot again as it is): counted and printed, not failed.
  const stale: Record<string, number[]> = {}
  let again = 0
  for (const code of held.keys()) {
    const versions = await portalVersions(hub, code)
    if (versions.some((v, i) => i > 0 && v < versions[i - 1]!)) stale[code] = versions
    again += versions.filter((v, i) => i > 0 && v === versions[i - 1]).length
  }
  t.strictSame(stale, {}, 'no version delivered after a newer one (latest wins)')
  const deliveries = await receiver.waitForIds(result.events, 60_000)
  const got = new Set(deliveries.map((d) => d.id))
  t.strictSame(result.events.filter((id) => !got.has(id)), [], 'every webhook answered 202 reached the subscriber')
  t.comment(`pg failover: delivered again after the switch: ${again} dossier versions, ${deliveries.length - got.size} webhooks`)
})
