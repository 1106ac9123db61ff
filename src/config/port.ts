/**
 * Checks that the HTTP port can be bound before anything else starts: the simulators, the
 * migrations and above all the queue workers, which would otherwise take jobs from a shared
 * Redis and then die with an unrelated error when `listen` finally fails.
 */
import { createServer } from 'node:net'
import { ConfigError } from './load.js'

export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return
  const probe = createServer()
  const failure = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
    probe.once('error', done)
    probe.listen({ host, port, exclusive: true }, () => done(undefined))
  })
  if (!failure) {
    await new Promise((done) => probe.close(done))
    return
  }
  const why = failure.code === 'EADDRINUSE' ? 'is already in use'
    : failure.code === 'EACCES' ? 'needs privileges this process does not have'
      : failure.code === 'EADDRNOTAVAIL' ? 'names an address this machine does not have (HOST)'
        : `cannot be bound (${failure.code ?? failure.message})`
  throw new ConfigError([`config /server/port: ${host}:${port} ${why}; stop what holds it or set PORT (and HOST) to a free one`])
}
