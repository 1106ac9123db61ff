/**
 * A schema migration. Migrations are TS modules (not .sql files) so a compiled build needs no
 * asset copying. Each statement is separate because PGlite's extended protocol runs one
 * statement per call; splitting SQL text ourselves would break on `$$` function bodies.
 */
export interface Migration {
  /** Applied in ascending order; never renumber or edit one that has shipped. */
  id: number
  name: string
  statements: readonly string[]
}
