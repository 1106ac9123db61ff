/**
 * compose.yaml as an operator deploys it (docs/operations.md): `docker compose config` accepts it
 * where a Compose client is installed (skipped otherwise, saying why; the daemon is not needed),
 * and, everywhere, its shape: the hub as `api` ×2 and `worker` roles of one image on a supported
 * Node LTS, PostgreSQL and Redis, every secret a file read through a `_FILE` variable, health
 * checks on every service, and a data volume. The two roles running as processes against one
 * PostgreSQL and Redis: test/integration/roles.test.ts.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { parse } from 'yaml'

type Json = Record<string, any>

function composeClient(): { cmd: string[] } | { why: string } {
  const tried: string[] = []
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(cmd[0]!, [...cmd.slice(1), 'version'], { encoding: 'utf8' })
    if (probe.status === 0) return { cmd }
    tried.push(`${cmd.join(' ')}: ${(probe.error?.message ?? probe.stderr ?? '').trim().split('\n')[0]}`)
  }
  return { why: `no Compose client installed (${tried.join('; ')})` }
}

const client = composeClient()
t.test('docker compose config accepts compose.yaml', { skip: 'why' in client ? client.why : false }, async (t) => {
  if ('why' in client) return
  const [bin, ...pre] = client.cmd
  const config = spawnSync(bin!, [...pre, '-f', 'compose.yaml', 'config', '-q'], { encoding: 'utf8' })
  t.equal(config.status, 0, `${client.cmd.join(' ')} config\n${config.stderr}`)
  const services = spawnSync(bin!, [...pre, '-f', 'compose.yaml', 'config', '--services'], { encoding: 'utf8' })
  t.strictSame(services.stdout.trim().split('\n').sort(), ['api', 'postgres', 'redis', 'worker'])
})

t.test('compose.yaml: two roles of one image, secrets as files, health checks, a data volume', async (t) => {
  // Merge keys (`<<: *hub`) as Compose reads them.
  const compose = parse(readFileSync('compose.yaml', 'utf8'), { merge: true }) as Json
  const { api, worker, postgres, redis } = compose.services as Record<string, Json>
  t.ok(api && worker && postgres && redis, 'api, worker, postgres, redis')
  t.strictSame(api!.command.slice(-2), ['--role', 'api'])
  t.strictSame(worker!.command.slice(-2), ['--role', 'worker'])
  t.equal(api!.deploy.replicas, 2, 'two api replicas')
  t.equal(api!.build, '.', 'built from the Dockerfile')
  t.equal(api!.image, worker!.image, 'one image for both roles')

  const declared = compose.secrets as Record<string, { file: string }>
  for (const [name, service] of Object.entries({ api, worker })) {
    const env = service!.environment as Record<string, string>
    for (const [key, value] of Object.entries(env)) {
      if (key.endsWith('_FILE') && value.startsWith('/run/secrets/')) t.ok((service!.secrets as string[]).includes(value.slice('/run/secrets/'.length)), `${name}: ${key} is a mounted secret`)
      t.notMatch(key, /(SECRET|PASSWORD|HASH_KEY|CHAIN_KEY)(S)?$/, `${name}: ${key} is not a secret in the environment`)
    }
    t.match(env, { DATABASE_URL_FILE: '/run/secrets/database_url', AUDIT_HASH_KEY_FILE: '/run/secrets/audit_hash_key', REDIS_URL: 'redis://redis:6379' })
    t.ok(service!.healthcheck?.test, `${name}: health check`)
    t.ok((service!.volumes as string[]).includes('hub-data:/app/data'), `${name}: the data volume at /app/data`)
    t.match(service!.depends_on, { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
  }
  t.ok(postgres!.healthcheck?.test && redis!.healthcheck?.test, 'database and Redis health checks')
  t.equal(postgres!.environment.POSTGRES_PASSWORD_FILE, '/run/secrets/postgres_password')
  t.ok('hub-data' in compose.volumes && 'pg-data' in compose.volumes, 'named volumes')
  for (const [name, { file }] of Object.entries(declared)) {
    const example = file.replace('${LGSP_SECRETS_DIR:-./deploy/secrets.example}', 'deploy/secrets.example')
    t.ok(existsSync(example), `secret ${name}: an obviously fake example at ${example}`)
    // whsec_ secrets are base64: read what they say.
    const text = readFileSync(example, 'utf8').replace(/whsec_([A-Za-z0-9+/=]+)/g, (_, b64: string) => Buffer.from(b64, 'base64').toString())
    t.match(text, /example.*(not-real|not-a-secret)/, `secret ${name}: visibly fake`)
  }

  const dockerfile = readFileSync('Dockerfile', 'utf8')
  const bases = [...dockerfile.matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]))
  t.ok(bases.length === 2 && bases.every((v) => v === 22 || v === 24), `the image on a supported Node LTS (${bases.join(', ')})`)
  t.match(dockerfile, /VOLUME \["\/app\/data"\]/, 'the image declares its data volume')
})
