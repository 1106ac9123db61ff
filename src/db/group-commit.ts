/**
 * Group commit: items arriving while one batch is being committed gather into the next batch,
 * so one transaction carries many items under load while a lone item waits at most about
 * `maxWaitMs`. Used where writes must be serialised (a lock held to commit) yet must not cap
 * throughput at one transaction per request.
 */
export interface GroupCommitOptions<I, O> {
  maxBatch: number
  maxWaitMs: number
  /** Commits one batch; returns one result per item, in order. Rejecting fails every item of the batch. */
  commit(batch: I[]): Promise<O[]>
  onFlush?: (info: { size: number; ms: number; ok: boolean }) => void
}

export interface GroupCommitter<I, O> {
  submit(item: I): Promise<O>
  /** Commits what is pending, then refuses new items. */
  close(): Promise<void>
}

interface Pending<I, O> {
  item: I
  resolve: (o: O) => void
  reject: (err: unknown) => void
}

export function createGroupCommitter<I, O>(options: GroupCommitOptions<I, O>): GroupCommitter<I, O> {
  let pending: Array<Pending<I, O>> = []
  let inFlight: Promise<void> | null = null
  let timer: NodeJS.Timeout | null = null
  let closed = false

  async function write(batch: Array<Pending<I, O>>): Promise<void> {
    const started = performance.now()
    const outcome = await options.commit(batch.map((p) => p.item)).then(
      (results) => ({ results, failure: undefined }),
      (failure: unknown) => ({ results: undefined, failure }),
    )
    // After the commit and outside its try: a throwing callback must not fail committed items.
    options.onFlush?.({ size: batch.length, ms: performance.now() - started, ok: outcome.results !== undefined })
    if (outcome.results) batch.forEach((p, i) => p.resolve(outcome.results[i]!))
    else for (const p of batch) p.reject(outcome.failure)
  }

  function start(): void {
    if (timer) {
      clearTimeout(timer)
      timer = null
    }
    if (inFlight || pending.length === 0) return
    const batch = pending.slice(0, options.maxBatch)
    pending = pending.slice(options.maxBatch)
    inFlight = write(batch).finally(() => {
      inFlight = null
      start()
    })
  }

  return {
    submit(item) {
      if (closed) return Promise.reject(new Error('the writer is closed'))
      return new Promise<O>((resolve, reject) => {
        pending.push({ item, resolve, reject })
        if (inFlight) return
        if (pending.length >= options.maxBatch) start()
        else timer ??= setTimeout(start, options.maxWaitMs)
      })
    },
    async close() {
      closed = true
      start()
      while (inFlight) await inFlight
    },
  }
}
