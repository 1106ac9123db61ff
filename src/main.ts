/**
 * Command line: `start` (default) runs the hub (`--sample`: in the sandbox, load the indicator
 * sample through the API, src/indicators/sandbox-sample.ts); `audit:verify` checks the audit hash chain
 * read-only, names the first broken record and prints the head to anchor (see verify-command.ts);
 * `edxml:inspect <file>` reads an edXML package (JSON + signature verdict, or the element at
 * fault); `config:show` prints the effective config with secrets redacted; `indicators:rebuild`
 * rebuilds the indicator model from the ledger (src/indicators/rebuild.ts).
 * Exit codes: 0 ok, 1 bad config or failed check, 2 could not start.
 */
import { loadConfig, ConfigError } from './config/load.js'
import { redactConfig } from './config/redact.js'
import { decideSandbox, SANDBOX_AUDIT_KEY } from './config/sandbox.js'
import { startHub } from './server.js'
import { runAuditVerify } from './audit/verify-command.js'
import { inspectCommand } from '../connectors/document-axis/inspect.js'
import { runIndicatorsRebuild } from './indicators/rebuild-command.js'
import { seedSandboxSample } from './indicators/sandbox-sample.js'

function fail(err: unknown): never {
  if (err instanceof ConfigError) {
    for (const p of err.problems) process.stderr.write(`${p}\n`)
    process.exit(1)
  }
  process.stderr.write(`${(err as Error).name}: ${(err as Error).message}\n`)
  process.exit(2)
}

/**
 * `--role api|worker|all` overrides the config's `role` (DESIGN §1); `--sample-subscriber` (what
 * `npm start` passes) starts the sandbox's sample subscriber.
 */
function flags(): Record<string, unknown> {
  const out: Record<string, unknown> = process.argv.includes('--sample-subscriber') ? { sandbox: { sampleSubscriber: true } } : {}
  const i = process.argv.findIndex((a) => a === '--role' || a.startsWith('--role='))
  if (i < 0) return out
  const value = process.argv[i]!.includes('=') ? process.argv[i]!.split('=')[1] : process.argv[i + 1]
  return { ...out, role: value }
}

async function start(): Promise<void> {
  const hub = await startHub({ config: loadConfig({ overrides: flags() }) })
  const lines = [
    `LGSP hub${hub.sandbox ? ' (sandbox)' : ''} (role ${hub.config.role}) listening on ${hub.url}`,
    `Console: ${hub.url}/console/`,
    `API docs: ${hub.url}/docs`,
    `OpenAPI: ${hub.url}/openapi.json`,
  ]
  if (hub.sandbox) {
    lines.push(`API key (demo): ${hub.config.sandbox.demoKey}`)
    lines.push(`Webhook secret (sandbox, national portal): ${hub.config.webhooks.nationalPortal.secrets[0]}`)
    for (const [id, sim] of Object.entries(hub.simulators)) lines.push(`Simulator ${id}: ${sim.url}`)
    if (hub.sampleSubscriber) lines.push(`Sample subscriber ${hub.sampleSubscriber.name}: ${hub.sampleSubscriber.baseUrl} (received: ${hub.url}/admin/sandbox/subscriber/deliveries)`)
    // `--sample` (what `npm start` passes): sample dossiers and feedback through the real API, so
    // /v1/indicators has numbers to show. Never without the flag: tests start sandboxes of their own.
    const seeded = process.argv.includes('--sample') && await seedSandboxSample(hub).catch((err: Error) => { hub.log.warn({ err: { message: err.message } }, 'could not load the sandbox sample'); return undefined })
    if (seeded) lines.push(`Sample data: ${seeded.dossiers} dossiers, ${seeded.feedback} feedback events (indicators: ${hub.url}/v1/indicators?from=2026-11-01&to=2026-11-30&groupBy=agency)`)
  }
  process.stdout.write(`${lines.join('\n')}\n`)
  let signals = 0
  const stop = (signal: string) => {
    signals += 1
    if (signals > 1) process.exit(130)
    hub.log.info({ signal }, 'shutting down')
    hub.close().then(() => process.exit(0), (err) => {
      hub.log.error({ err }, 'shutdown failed')
      process.exit(1)
    })
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

async function auditVerify(): Promise<void> {
  const config = loadConfig()
  // A sandbox writes its audit log under its fixed, fake key (server.ts): verify it with the same.
  if (!config.audit.hashKey && !config.audit.chainKey && decideSandbox(config).simulate.length > 0) config.audit.hashKey = SANDBOX_AUDIT_KEY
  process.exitCode = await runAuditVerify(config, process.argv.slice(3), process.stdout)
}

const command = process.argv[2] ?? 'start'
const commands: Record<string, () => Promise<void>> = {
  start,
  'audit:verify': auditVerify,
  'edxml:inspect': async () => { process.exitCode = await inspectCommand(process.argv.slice(3)) },
  'indicators:rebuild': async () => { process.exitCode = await runIndicatorsRebuild(loadConfig(), process.stdout) },
  'config:show': async () => {
    process.stdout.write(`${JSON.stringify(redactConfig(loadConfig()), null, 2)}\n`)
  },
}
const run = commands[command]
if (!run) {
  process.stderr.write(`unknown command "${command}"; use one of: ${Object.keys(commands).join(', ')}\n`)
  process.exit(1)
}
run().catch(fail)
