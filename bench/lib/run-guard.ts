/**
 * Ctrl-C and cleanup for a benchmark run, the same in every entry: the first SIGINT/SIGTERM logs,
 * marks the run interrupted (exit code 130), runs the cleanup and exits; the run's own `finally`
 * runs the same cleanup, which happens once whoever asks first.
 */
export interface RunGuard {
  /** The benchmark's cleanup, run at most once: later calls get the first call's promise. */
  cleanup(graceMs?: number): Promise<void>
  /** The signal that interrupted the run, if one did. */
  readonly interrupted: NodeJS.Signals | undefined
  /** Aborted on that signal, for phases that take an AbortSignal. */
  readonly signal: AbortSignal
  /** Removes the signal handlers (end of the run). */
  release(): void
}

export function guardRun(o: {
  log: (line: string) => void
  /** Logged after the signal's name, e.g. "stopping the benchmark". */
  note: string
  cleanup: (graceMs?: number) => Promise<void>
  /** Grace for the children when interrupted (the user is waiting); default: the cleanup's own. */
  signalGraceMs?: number
}): RunGuard {
  let cleaning: Promise<void> | undefined
  let interrupted: NodeJS.Signals | undefined
  const aborter = new AbortController()
  const cleanup = (graceMs?: number) => (cleaning ??= o.cleanup(graceMs))
  // `on`, not `once`: under `npm run`/tsx a Ctrl-C arrives twice (from the terminal and relayed by
  // tsx), and a second signal without a listener would kill the process halfway through cleaning up.
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return
    interrupted = signal
    process.exitCode = 130
    o.log(`\n${signal}: ${o.note}`)
    aborter.abort()
    void cleanup(o.signalGraceMs).finally(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    cleanup,
    get interrupted() {
      return interrupted
    },
    signal: aborter.signal,
    release() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
