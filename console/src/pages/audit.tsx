/**
 * Audit search (POST /admin/audit/search): by officer, client, period, and optionally one
 * personal ID — sent in the body, never in a URL; a search naming a person needs a purpose and
 * is itself audited by the hub.
 */
import { useState } from 'preact/hooks'
import { api } from '../api'
import { Badge, ErrorNotice, Section, Table, fromLocalInput, useAction } from '../components'
import { formatTime, useI18n } from '../i18n'

export interface AuditRecord {
  seq: number; at: string; requestId: string; client: string; officerId: string; purpose: string; connector: string; operation: string
  subjectMasked: string | null; outcome: string
}

export function AuditPage() {
  const { t, lang } = useI18n()
  const [form, setForm] = useState({ officerId: '', client: '', from: '', to: '', personalId: '', purpose: '' })
  const [records, setRecords] = useState<AuditRecord[] | undefined>()
  const [next, setNext] = useState<number | null>(null)
  const search = useAction()
  const set = (field: keyof typeof form) => (e: Event) => setForm({ ...form, [field]: (e.currentTarget as HTMLInputElement).value })

  const page = async (afterSeq?: number) => {
    const body = {
      limit: 200,
      ...(form.officerId && { officerId: form.officerId }), ...(form.client && { client: form.client }),
      ...(form.from && { from: fromLocalInput(form.from) }), ...(form.to && { to: fromLocalInput(form.to) }),
      ...(form.personalId && { personalId: form.personalId.trim() }), ...(afterSeq !== undefined && { afterSeq }),
    }
    // The hub asks for a purpose when the search names a person; otherwise a routine review.
    const purpose = form.purpose || t('audit.defaultPurpose')
    return api<{ records: AuditRecord[]; nextAfterSeq: number | null }>('/admin/audit/search', { body, headers: { 'x-purpose': purpose } })
  }
  const submit = (e: Event) => {
    e.preventDefault()
    void search.run(async () => {
      const p = await page()
      setRecords(p.records)
      setNext(p.nextAfterSeq)
      return undefined
    })
  }
  const more = () => search.run(async () => {
    const p = await page(next ?? undefined)
    setRecords((r) => [...(r ?? []), ...p.records])
    setNext(p.nextAfterSeq)
    return undefined
  })

  return (
    <Section title={t('audit.title')}>
      <form class="filters wrap" onSubmit={submit}>
        <label>{t('col.officer')}<input value={form.officerId} onInput={set('officerId')} /></label>
        <label>{t('col.client')}<input value={form.client} onInput={set('client')} /></label>
        <label>{t('common.from')}<input type="datetime-local" value={form.from} onInput={set('from')} /></label>
        <label>{t('common.to')}<input type="datetime-local" value={form.to} onInput={set('to')} /></label>
        <label>{t('audit.personalId')}<input inputMode="numeric" autoComplete="off" pattern="[0-9]{9,13}(-[0-9]{3})?" value={form.personalId} onInput={set('personalId')} /></label>
        <label>{t('common.purpose')}<input maxLength={200} required={form.personalId !== ''} value={form.purpose} placeholder={t('audit.purposeHint')} onInput={set('purpose')} /></label>
        <button type="submit" class="primary" disabled={search.busy}>{t('audit.search')}</button>
      </form>
      <ErrorNotice error={search.error} />
      {records && <AuditTable records={records} lang={lang} />}
      {records && next !== null && <button type="button" onClick={more} disabled={search.busy}>{t('common.more')}</button>}
    </Section>
  )
}

export function AuditTable({ records, lang }: { records: AuditRecord[]; lang: 'vi' | 'en' }) {
  const { t } = useI18n()
  return (
    <Table label={t('audit.title')} empty="audit.none" head={[t('col.seq'), t('col.time'), t('col.client'), t('col.officer'), t('common.purpose'), t('col.connector'), t('col.operation'), t('col.subject'), t('col.outcome')]}>
      {records.map((r) => (
        <tr key={r.seq}>
          <td class="num">{r.seq}</td><td class="nowrap">{formatTime(lang, r.at)}</td><td>{r.client}</td><td>{r.officerId}</td><td>{r.purpose}</td>
          <td>{r.connector}</td><td><code class="wrap">{r.operation}</code></td><td>{r.subjectMasked ?? '—'}</td>
          <td><Badge tone={r.outcome === 'ok' || /^2\d\d$/.test(r.outcome) ? 'ok' : r.outcome === 'not_found' ? 'neutral' : 'warn'}>{r.outcome}</Badge></td>
        </tr>
      ))}
    </Table>
  )
}
