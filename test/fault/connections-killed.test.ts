/**
 * Finding 1 under load: every PostgreSQL session of the hub terminated (pg_terminate_backend,
 * matched by the hub's application_name, so other clients of the shared server are untouched)
 * three times during a burst of dossier PUTs and signed webhooks — some in the middle of a
 * transaction. No crash, no 500, and everything answered 202 is delivered.
 */
import t from 'tap'
import { startFaultHub } from '../helpers/fault-hub.js'
import { startLoad, portalVersions } from '../helpers/load.js'
import { terminateSessions } from '../helpers/pg-faults.js'
import { waitFor } from '../helpers/dossier.js'

const ONE_STOP = `whsec_${Buffer.from('fault-kill-one-stop-not-real').toString('base64')}`

t.test('the hub\'s connections killed mid-transaction under load', async (t) => {
  const { hub, receiver, crashes } = await startFaultHub(t, { secret: ONE_STOP })

  const load = startLoad(hub, { dossiers: 30, tag: 'kill' })
  let killed = 0
  for (let i = 0; i < 3; i++) {
    await load.more(202, 30) // mid-burst: sessions busy with accepted work
    killed += await terminateSessions(hub.schema)
  }
  await load.more(202, 30) // accepting again after the last kill
  const result = await load.stop()
  t.ok(killed > 0, `${killed} sessions terminated`)
  t.strictSame(result.failures, [], 'no 5xx other than 503')
  t.strictSame(crashes, [], 'the process never crashed')
  await waitFor('every accepted version delivered', async () => {
    for (const [code, version] of result.accepted) if ((await portalVersions(hub, code)).at(-1) !== version) return false
    return true
  }, 60_000, 300)
  const got = new Set((await receiver.waitForIds(result.events, 60_000)).map((d) => d.id))
  t.strictSame(result.events.filter((id) => !got.has(id)), [], 'every webhook answered 202 reached the subscriber')
})
