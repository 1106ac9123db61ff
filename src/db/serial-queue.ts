/**
 * A promise queue: tasks run one at a time, in call order. PGlite is a single connection, so
 * every top-level query and every whole transaction goes through one of these. PGlite 0.5 also
 * serializes top-level calls against its transactions internally; our queue keeps that guarantee
 * from resting on a library detail (older releases let a plain query land inside someone else's
 * open transaction) and lets close() wait for queued work.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task)
    // The queue keeps going whatever the outcome; the caller sees the rejection, the queue does not.
    this.#tail = result.catch(() => undefined)
    return result
  }
}
