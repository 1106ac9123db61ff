/**
 * Runs the conformance suite (harness.ts) for every folder under `connectors/`: each must have a
 * `conformance.ts` default-exporting its target (simulator, config, a sample and a refused call).
 * A new connector is picked up by itself; one without the file fails here. `CONFORMANCE=id,id`
 * runs only those.
 */
import t from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runConformance, type ConformanceTarget } from './harness.js'

const root = fileURLToPath(new URL('../../connectors/', import.meta.url))
const only = process.env.CONFORMANCE?.split(',').filter(Boolean)
const ids = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`${root}${d.name}/index.ts`))
  .map((d) => d.name)
  .filter((id) => !only || only.includes(id))
  .sort()

t.ok(ids.length > 0, `connectors found: ${ids.join(', ')}`)
for (const id of ids) {
  t.test(id, async (t) => {
    if (!existsSync(`${root}${id}/conformance.ts`)) return void t.fail(`connectors/${id}/conformance.ts is missing: every connector passes the conformance suite`)
    const target = (await import(`../../connectors/${id}/conformance.js`) as { default: ConformanceTarget }).default
    t.equal(target.id, id, `connectors/${id}/conformance.ts describes ${id}`)
    runConformance(t, target)
  })
}
