/** `edxml:inspect <file>` on the real packages: JSON with the signature verdict and exit 0, or the element and reason and exit 1. */
import t from 'tap'
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { PassThrough } from 'node:stream'
import { inspectCommand } from '../../../connectors/document-axis/inspect.js'
import { REFUSED, SAMPLES } from './edxml-fixtures.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const files = readdirSync(SAMPLES).filter((f) => /\.edxml(\.bak)?$/.test(f)).sort()

async function inspect(args: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const code = await inspectCommand(args, out)
  return { code, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }
}

t.test('every real package: parsed with its verdict (exit 0), or refused naming element and reason (exit 1)', async (t) => {
  for (const name of files) {
    const { code, json } = await inspect([fileURLToPath(new URL(name, SAMPLES))])
    const refused = REFUSED[name]
    if (refused) {
      t.strictSame({ code, json }, { code: 1, json: { ok: false, element: refused.element ?? '(the package as a whole)', reason: refused.message } }, name)
    } else {
      t.match({ code, json }, { code: 0, json: { ok: true, kind: name.startsWith('status') ? 'status' : 'edoc', signature: { status: /^(absent|unverifiable)$/ } } }, name)
    }
  }
  const { json } = await inspect([fileURLToPath(new URL('axis-2019-5-852e179c-8eca-4502-ac38-0b97321f29c3.edxml', SAMPLES))])
  t.strictSame(json.attachments, [{
    contentId: '36b8a92e-f054-11e7-842b-005056b672fc', contentType: 'application/zip', name: 'GUIDE_INSTALL OPENVPN.SIGNED.PDF', manifestContentType: 'application/pdf',
    size: 214, sha256: (json.attachments as Array<{ sha256: string }>)[0]!.sha256, zip: true,
  }])
  t.match(await inspect(['/nonexistent.edxml']), { code: 1, json: { ok: false, reason: /cannot read/ } })
})

t.test('the command line entry point (same as audit:verify) exits 0 and 1', async (t) => {
  const run = promisify(execFile)
  const ok = await run(process.execPath, ['--import=tsx', 'src/main.ts', 'edxml:inspect', fileURLToPath(new URL('status_finish_06.edxml', SAMPLES))], { cwd: ROOT })
  t.match(JSON.parse(ok.stdout), { ok: true, kind: 'status', status: { statusCode: '06' }, signature: { status: 'absent' } })
  const bad = await run(process.execPath, ['--import=tsx', 'src/main.ts', 'edxml:inspect', fileURLToPath(new URL('edoc_new.edxml', SAMPLES))], { cwd: ROOT }).then(() => undefined, (err: { code: number; stdout: string }) => err)
  t.equal(bad?.code, 1)
  t.strictSame(JSON.parse(bad!.stdout), { ok: false, element: '(the package as a whole)', reason: 'the package has stray text before its XML declaration ("1212")' })
})
