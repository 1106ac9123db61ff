/**
 * The V8 CPU profiler on the calling process's main thread, switched on and off by the parent over
 * IPC: childMain (child.ts) and the hub preload (sync-hub-preload.ts) both answer
 * `profile:start` / `profile:stop` with it, so only the measured window gets profiled.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'

export function cpuProfiler(): { start(): Promise<void>; stop(file: string): Promise<void> } {
  let session: Session | undefined
  return {
    async start() {
      session = new Session()
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.start')
    },
    async stop(file) {
      if (!session) throw new Error('the profiler was not started')
      const { profile } = await session.post('Profiler.stop')
      writeFileSync(file, JSON.stringify(profile))
      session.disconnect()
      session = undefined
    },
  }
}
