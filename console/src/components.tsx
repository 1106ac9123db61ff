/** Small building blocks every page uses: loading state, tables, badges, notices, confirmations, bars. */
import type { ComponentChildren } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError } from './api'
import { useI18n, type MessageKey } from './i18n'

export interface Loaded<T> {
  data: T | undefined
  error: ApiError | Error | undefined
  loading: boolean
  reload(): void
}

/** Runs `load` now and whenever `deps` change or `reload()` is called. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    setState((s) => ({ ...s, loading: true }))
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    )
    return () => {
      live = false
    }
  }, [...deps, tick])
  const reload = useCallback(() => setTick((n) => n + 1), [])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}

export function Section(props: { title: string; actions?: ComponentChildren; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={props.id}>
      <header class="card-head">
        <h2>{props.title}</h2>
        {props.actions && <div class="card-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  )
}

export function ErrorNotice({ error }: { error: Error | undefined }) {
  const { t } = useI18n()
  if (!error) return null
  const problem = error instanceof ApiError ? error.problem : undefined
  return (
    <div class="notice error" role="alert">
      <strong>{problem ? `${problem.status} ${problem.code}` : t('error.generic')}</strong>
      <span>{error.message}</span>
      {problem?.errors && <ul>{problem.errors.map((e) => <li key={e.path}><code>{e.path}</code> {e.message}</li>)}</ul>}
    </div>
  )
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'ok' | 'warn'; children: ComponentChildren }) {
  return <div class={`notice ${kind}`} role="status">{children}</div>
}

export function Loading({ loaded }: { loaded: Loaded<unknown> }) {
  const { t } = useI18n()
  if (loaded.loading && loaded.data === undefined) return <p class="muted">{t('common.loading')}</p>
  return <ErrorNotice error={loaded.error} />
}

export type Tone = 'ok' | 'warn' | 'bad' | 'neutral'
export const Badge = ({ tone, children }: { tone: Tone; children: ComponentChildren }) => <span class={`badge ${tone}`}>{children}</span>

export function Table(props: { head: ComponentChildren[]; empty: MessageKey; children: ComponentChildren[]; label?: string }) {
  const { t } = useI18n()
  return (
    <div class="table-wrap">
      <table aria-label={props.label}>
        <thead><tr>{props.head.map((h, i) => <th key={i}>{h}</th>)}</tr></thead>
        <tbody>
          {props.children.length === 0
            ? <tr><td class="muted" colSpan={props.head.length}>{t(props.empty)}</td></tr>
            : props.children}
        </tbody>
      </table>
    </div>
  )
}

/** A button that asks once more before running a consequential action. */
export function ConfirmButton(props: { label: string; confirm: string; onConfirm(): void | Promise<void>; disabled?: boolean; danger?: boolean }) {
  const { t } = useI18n()
  const [asking, setAsking] = useState(false)
  if (!asking) return <button type="button" class={props.danger ? 'danger' : ''} disabled={props.disabled} onClick={() => setAsking(true)}>{props.label}</button>
  return (
    <span class="confirm">
      <span>{props.confirm}</span>
      <button type="button" class={props.danger ? 'danger' : 'primary'} onClick={async () => { setAsking(false); await props.onConfirm() }}>{t('common.yes')}</button>
      <button type="button" onClick={() => setAsking(false)}>{t('common.no')}</button>
    </span>
  )
}

/** Runs one action at a time and keeps its outcome to show. */
export function useAction() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<Error | undefined>()
  const [done, setDone] = useState<string | undefined>()
  const run = async (action: () => Promise<string | undefined>) => {
    setBusy(true)
    setError(undefined)
    setDone(undefined)
    try {
      setDone(await action())
    } catch (err) {
      setError(err as Error)
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, done, run }
}

/** Horizontal bars, one per row, scaled to `max` (or the largest value). Plain SVG, no library. */
export function BarChart(props: { rows: Array<{ label: string; value: number | null; note?: string }>; max?: number; format(v: number): string; title: string }) {
  const values = props.rows.map((r) => r.value ?? 0)
  const max = props.max ?? Math.max(1e-9, ...values)
  const rowH = 26
  const labelW = 190
  const width = 720
  const barW = width - labelW - 80
  return (
    <svg class="chart" role="img" aria-label={props.title} viewBox={`0 0 ${width} ${props.rows.length * rowH + 8}`} width="100%">
      {props.rows.map((r, i) => {
        const w = r.value === null ? 0 : Math.max(1, (r.value / max) * barW)
        const y = i * rowH + 4
        return (
          <g key={r.label}>
            <text x={labelW - 8} y={y + 16} text-anchor="end" class="chart-label">{r.label.length > 28 ? `${r.label.slice(0, 27)}…` : r.label}</text>
            <rect x={labelW} y={y + 3} width={barW} height={rowH - 8} class="chart-track" rx="3" />
            {r.value !== null && <rect x={labelW} y={y + 3} width={w} height={rowH - 8} class="chart-bar" rx="3" />}
            <text x={labelW + barW + 8} y={y + 16} class="chart-value">{r.value === null ? (r.note ?? '—') : props.format(r.value)}</text>
          </g>
        )
      })}
    </svg>
  )
}

/** The local datetime-local value of an instant, and back (inputs in the browser's time zone). */
export const toLocalInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
export const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : undefined)
