/**
 * Child entry: the baseline for POST /v1/prefill. A bare Fastify route that makes the same three
 * calls as the hub's fan-out, in parallel, and answers what they returned:
 *  - identity: the population SOAP lookup (connector's wire modules, same LGSP token scheme) through
 *    an undici Pool,
 *  - documents: the document store's own SELECT (same SQL, same keyed owner hash) on the hub's
 *    schema through a pg Pool of 10 (the hub's default pool size),
 *  - procedure: the portal's `LayThuTuc` under a session logged in once at start (connector's
 *    wire.ts to build and read), through an undici Pool.
 * No auth, rate limit, validation, audit, deadline, cache lookup, retries, circuit breaker or
 * metrics: what any Node service pays for these three round trips.
 */
import Fastify from 'fastify'
import pg from 'pg'
import { Pool } from 'undici'
import { populationBaseline } from './population-baseline.js'
import { SANDBOX_AGENCY_CODE, SANDBOX_CREDENTIALS as PORTAL_CREDENTIALS, SANDBOX_DSTCODE } from '../../connectors/national-portal/simulator.js'
import { resolveConfig } from '../../connectors/national-portal/config.js'
import { buildCallBody, buildLoginBody, DSTCODE_HEADER, getProcedureParams, parseProcedure, readLogin, readReply } from '../../connectors/national-portal/wire.js'
import { subjectHash } from '../../src/audit/subject.js'
import { childMain } from './child.js'

export interface PrefillBaselineParams {
  populationUrl: string
  portalUrl: string
  /** Sockets per undici pool (the hub's connectors get the same). */
  sockets: number
  database: { url: string; schema: string }
  hashKey: string
}

interface Body {
  procedureCode: string
  applicant: { id: string; fullName: string; dateOfBirth: string }
}

childMain<PrefillBaselineParams>('prefill baseline', async (p) => {
  const population = new Pool(new URL(p.populationUrl).origin, { connections: p.sockets })
  const lookup = populationBaseline(p.populationUrl)

  const portalConfig = resolveConfig({
    baseUrl: p.portalUrl, username: PORTAL_CREDENTIALS.username, password: PORTAL_CREDENTIALS.password, dstcode: SANDBOX_DSTCODE, agencyCode: SANDBOX_AGENCY_CODE,
  })
  const codes = { session: new Set(portalConfig.errorCodes.session), transient: new Set(portalConfig.errorCodes.transient) }
  const tables = { statusCodes: portalConfig.statusCodes, channelCodes: portalConfig.channelCodes, databaseCodes: portalConfig.databaseCodes }
  const portal = new Pool(new URL(p.portalUrl).origin, { connections: p.sockets })
  const portalHeaders = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json', [DSTCODE_HEADER]: SANDBOX_DSTCODE }
  const portalPost = async (path: string, body: string) => {
    const res = await portal.request({ method: 'POST', path, headers: portalHeaders, body })
    return Buffer.from(await res.body.arrayBuffer())
  }
  const login = readLogin(await portalPost(portalConfig.loginPath, buildLoginBody(PORTAL_CREDENTIALS.username, PORTAL_CREDENTIALS.password)), codes)
  if (!login.ok) throw login.error
  const session = login.value

  const db = new pg.Pool({ connectionString: p.database.url, max: 10 })
  const documentsSql = `SELECT id, owner_masked, type_code, title, issuing_agency, issued_at, valid_until, url, sha256, source, dossier_code, client, registered_at
    FROM ${p.database.schema}.documents WHERE owner_hash = $1 AND ($2::text[] IS NULL OR type_code = ANY($2::text[]))
      AND ($3::boolean OR valid_until IS NULL OR valid_until > $4)
    ORDER BY type_code, registered_at DESC, id DESC LIMIT 500`

  const app = Fastify({ logger: false })
  app.post('/v1/prefill', async function prefillBaseline(request) {
    const { procedureCode, applicant } = request.body as Body
    const identity = (async () => {
      const res = await population.request(await lookup.request({ personalId: applicant.id, fullName: applicant.fullName, dateOfBirth: applicant.dateOfBirth }))
      const body = Buffer.from(await res.body.arrayBuffer())
      return lookup.parse(body, res.statusCode, applicant.id)
    })()
    const documents = db.query(documentsSql, [subjectHash(p.hashKey, applicant.id), null, false, new Date()]).then((r) => r.rows)
    const procedure = (async () => {
      const reply = readReply(await portalPost(portalConfig.catalogPath, buildCallBody(session, SANDBOX_AGENCY_CODE, 'getProcedure', getProcedureParams(procedureCode))), codes, 'getProcedure')
      if (!reply.ok) throw reply.error
      return parseProcedure(reply.value, procedureCode, tables)
    })()
    const [citizen, docs, proc] = await Promise.all([identity, documents, procedure])
    return { identity: citizen, documents: docs, procedure: proc }
  })

  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    url,
    close: async () => {
      await app.close()
      await Promise.all([population.close(), portal.close(), db.end()])
    },
  }
})
