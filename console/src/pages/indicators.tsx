/**
 * Indicators per agency and period (the indicators API: GET /v1/indicators, …/summary, CSV):
 * a table per group and a bar chart of one indicator, and the scored summary per agency (a group
 * whose points are null, because a scored rate needs data the hub lacks, is shown as not
 * computable, not as zero). A hub without that API answers 404: the page says so instead of failing.
 */
import { useMemo, useState } from 'preact/hooks'
import { api, ApiError, query, saveBlob } from '../api'
import { BarChart, ErrorNotice, Notice, Section, Table, useAction, useLoad } from '../components'
import { formatNumber, useI18n } from '../i18n'

type Indicator = { available: true; value: number | null; numerator?: number; denominator?: number } | { available: false; needs?: string | string[] }
interface IndicatorRows { from: string; to: string; groupBy: string; rows: Array<{ key: string; indicators: Record<string, Indicator> }> }
interface Summary { from: string; to: string; agencies: Array<{ agency: string; groups: Array<{ id: string; maxPoints: number; points: number | null; rates?: Record<string, unknown> }> }> }

const GROUP_BY = ['agency', 'procedure', 'channel', 'day', 'none'] as const
const day = (d: Date) => d.toISOString().slice(0, 10)

export function IndicatorsPage() {
  const { t, lang } = useI18n()
  const now = new Date()
  const [filters, setFilters] = useState({ from: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))), to: day(now), agency: '', procedure: '', groupBy: 'agency' })
  const [applied, setApplied] = useState(filters)
  const params = { from: applied.from, to: applied.to, agency: applied.agency, procedure: applied.procedure, groupBy: applied.groupBy }
  const rows = useLoad(() => api<IndicatorRows>(`/v1/indicators${query(params)}`), [applied])
  const summary = useLoad(() => api<Summary>(`/v1/indicators/summary${query({ from: applied.from, to: applied.to, agency: applied.agency })}`), [applied])
  const exporting = useAction()
  const set = (field: keyof typeof filters) => (e: Event) => setFilters({ ...filters, [field]: (e.currentTarget as HTMLInputElement).value })

  const missing = [rows.error, summary.error].some((e) => e instanceof ApiError && e.status === 404)
  const ids = useMemo(() => [...new Set(rows.data?.rows.flatMap((r) => Object.keys(r.indicators)) ?? [])], [rows.data])
  const [chartId, setChartId] = useState('')
  const shown = ids.includes(chartId) ? chartId : ids[0] ?? ''

  const exportCsv = () => exporting.run(async () => {
    saveBlob(await api<Blob>(`/v1/indicators${query({ ...params, format: 'csv' })}`, { blob: true }), `chi-so-${applied.from}-${applied.to}.csv`)
    return t('report.exported')
  })

  return (
    <>
      <Section title={t('ind.title')}>
        <form class="filters wrap" onSubmit={(e) => { e.preventDefault(); setApplied({ ...filters }) }}>
          <label>{t('common.from')}<input type="date" required value={filters.from} onInput={set('from')} /></label>
          <label>{t('common.to')}<input type="date" required value={filters.to} onInput={set('to')} /></label>
          <label>{t('col.agency')}<input value={filters.agency} placeholder="000.00.00.H34" onInput={set('agency')} /></label>
          <label>{t('ind.procedure')}<input value={filters.procedure} onInput={set('procedure')} /></label>
          <label>{t('ind.groupBy')}
            <select value={filters.groupBy} onChange={set('groupBy')}>
              {GROUP_BY.map((g) => <option key={g} value={g}>{t(`ind.by.${g}`)}</option>)}
            </select>
          </label>
          <button type="submit" class="primary">{t('ind.show')}</button>
          <button type="button" onClick={exportCsv} disabled={missing || exporting.busy}>{t('report.exportCsv')}</button>
        </form>
        {missing && <Notice kind="warn">{t('ind.notAvailable')}</Notice>}
        {!missing && <ErrorNotice error={rows.error ?? exporting.error} />}
        {rows.loading && !rows.data && !missing && <p class="muted">{t('common.loading')}</p>}
        {rows.data && (
          <>
            <Table label={t('ind.title')} empty="ind.none" head={[t(`ind.by.${applied.groupBy as (typeof GROUP_BY)[number]}`), ...ids.map((id) => <span title={id}>{id}</span>)]}>
              {rows.data.rows.map((r) => (
                <tr key={r.key}>
                  <td><strong>{r.key}</strong></td>
                  {ids.map((id) => <td key={id} class="num">{cell(r.indicators[id], lang, t('ind.needs'))}</td>)}
                </tr>
              ))}
            </Table>
            {ids.length > 0 && rows.data.rows.length > 0 && (
              <div class="chart-box">
                <label>{t('ind.chartOf')}
                  <select value={shown} onChange={(e) => setChartId(e.currentTarget.value)}>{ids.map((id) => <option key={id} value={id}>{id}</option>)}</select>
                </label>
                <IndicatorChart data={rows.data} id={shown} />
              </div>
            )}
          </>
        )}
      </Section>
      {!missing && (
        <Section title={t('ind.summaryTitle')}>
          <ErrorNotice error={summary.error} />
          {summary.data?.agencies.length === 0 && <p class="muted">{t('ind.none')}</p>}
          {summary.data?.agencies.map((a) => (
            <div key={a.agency} class="summary-agency">
              <h3>{a.agency}</h3>
              <BarChart
                title={a.agency} max={1}
                rows={a.groups.map((g) => ({ label: g.id, value: g.maxPoints > 0 && g.points !== null ? g.points / g.maxPoints : null, note: t('ind.na') }))}
                format={(v) => `${formatNumber(lang, v * 100, 1)} %`}
              />
              <p class="muted small">{a.groups.map((g) => t('ind.points', { id: g.id, points: g.points === null ? '—' : formatNumber(lang, g.points, 2), max: formatNumber(lang, g.maxPoints, 2) })).join(' · ')}</p>
            </div>
          ))}
        </Section>
      )}
    </>
  )
}

/** A rate (numerator/denominator given, value ≤ 1) as a percentage; anything else as a number. */
function isRate(i: Indicator | undefined): boolean {
  return !!i && i.available && i.denominator !== undefined && i.value !== null && i.value <= 1
}

function cell(i: Indicator | undefined, lang: 'vi' | 'en', needs: string) {
  if (!i) return '—'
  if (!i.available) return <span class="muted" title={`${needs}: ${[i.needs ?? ''].flat().join(', ')}`}>n/a</span>
  if (i.value === null) return '—'
  const shown = isRate(i) ? `${formatNumber(lang, i.value * 100, 1)} %` : formatNumber(lang, i.value, 2)
  return <span title={i.denominator !== undefined ? `${i.numerator ?? '?'} / ${i.denominator}` : undefined}>{shown}</span>
}

function IndicatorChart({ data, id }: { data: IndicatorRows; id: string }) {
  const { lang, t } = useI18n()
  const values = data.rows.map((r) => r.indicators[id])
  const rates = values.every((v) => !v || !v.available || v.value === null || isRate(v))
  return (
    <BarChart
      title={id} max={rates ? 1 : undefined}
      rows={data.rows.map((r) => {
        const v = r.indicators[id]
        return { label: r.key, value: v && v.available ? v.value : null, note: v && !v.available ? t('ind.na') : '—' }
      })}
      format={(v) => (rates ? `${formatNumber(lang, v * 100, 1)} %` : formatNumber(lang, v, 2))}
    />
  )
}
