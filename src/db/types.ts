/**
 * A small database layer that runs the same SQL on PostgreSQL (`pg`) and on embedded PGlite.
 * Placeholders are `$1, $2, …` in both.
 */
export interface QueryResult<R> {
  rows: R[]
  rowCount: number
}

export interface QueryOptions {
  /**
   * PostgreSQL: keep the statement prepared on each connection under this name, so it is parsed
   * once per connection instead of on every run (and PostgreSQL may keep its plan: after five
   * runs it compares the generic plan with the custom ones). For the hot statements of the sync
   * paths, whose parse and plan cost more server CPU than running them. The name must always
   * come with the same text (`preparedName`). PGlite ignores it.
   */
  prepare?: string
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<R>>
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite'
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /** Cheap liveness probe for /readyz. */
  ping(): Promise<void>
  close(): Promise<void>
}
