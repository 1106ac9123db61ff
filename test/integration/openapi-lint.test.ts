/**
 * The OpenAPI document a sandbox hub serves (every route registered, the sample subscriber's
 * included) passes `redocly lint` with the recommended rules with no error and no warning, and
 * says what generated clients and the console need: a camelCase operationId on every operation,
 * no "Default Response", an example on every JSON request body and on every error response, and
 * `security: []` exactly on the public routes.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestHub } from '../helpers/hub.js'
import { operations } from '../helpers/openapi-requests.js'

const PUBLIC = ['GET /healthz', 'GET /readyz', 'POST /v1/webhooks/national-portal', 'POST /v1/payments/callback', 'POST /console/session']

t.test('the served OpenAPI document is lint-clean and client-ready', async (t) => {
  const hub = await startTestHub('pglite', { sandbox: { sampleSubscriber: true }, log: { level: 'warn' } })
  t.teardown(() => hub.close())
  const doc = (await hub.call('/openapi.json')).body as Record<string, any>

  const dir = mkdtempSync(join(tmpdir(), 'lgsp-openapi-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'openapi.json')
  writeFileSync(file, JSON.stringify(doc, null, 2))
  // The recommended ruleset is redocly's default; no config file may relax it.
  const lint = spawnSync(process.execPath, ['node_modules/@redocly/cli/bin/cli.js', 'lint', file, '--format=json'], { encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } })
  const report = JSON.parse(lint.stdout.slice(lint.stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }> }
  const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`)
  t.equal(lint.status, 0, 'redocly lint exits 0', { stderr: lint.stderr })
  t.strictSame(report.totals, { ...report.totals, errors: 0, warnings: 0 }, 'recommended rules: no error, no warning', { problems })

  const ops = operations(doc)
  t.ok(ops.length >= 40, `${ops.length} operations`)
  for (const op of ops) {
    const name = `${op.method} ${op.path}`
    t.match(op.operationId, /^[a-z][A-Za-z0-9]+$/, `${name}: camelCase operationId`)
    const json = op.operation.requestBody?.content?.['application/json']
    if (json) t.not(json.example, undefined, `${name}: request body example`)
    for (const [status, response] of Object.entries(op.operation.responses as Record<string, any>)) {
      t.not(response.description, 'Default Response', `${name} ${status}: named`)
      // Every error is a problem body, but for readiness's 503, which says which dependency failed.
      if (Number(status) >= 400 && `${name} ${status}` !== 'GET /readyz 503') t.ok(response.content?.['application/problem+json']?.example, `${name} ${status}: problem example`)
    }
    t.strictSame(op.operation.security, PUBLIC.includes(name) ? [] : [{ apiKey: [] }], `${name}: security`)
  }
  t.ok(Array.isArray(doc.servers) && doc.servers.length > 0, 'servers')
})
