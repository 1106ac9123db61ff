/**
 * The access report under Decree 13/2023 (POST /admin/audit/access-report): every access to one
 * personal ID — by whom, when, why — for the citizen or an inspector, exportable as CSV. The ID
 * goes in the request body only (never the URL or the browser's storage); the hub audits the
 * report itself before answering, under the purpose the operator states.
 */
import { useState } from 'preact/hooks'
import { api, saveBlob } from '../api'
import { ErrorNotice, Notice, Section, Table, fromLocalInput, useAction } from '../components'
import { formatTime, useI18n } from '../i18n'

interface Access { seq: number; at: string; client: string; officerId: string; purpose: string; connector: string; operation: string; outcome: string; requestId: string }
interface Report { subject: string; from: string | null; to: string | null; generatedAt: string; accesses: Access[]; truncated: boolean }

export function AccessReportPage() {
  const { t, lang } = useI18n()
  const [form, setForm] = useState({ personalId: '', purpose: '', from: '', to: '' })
  const [report, setReport] = useState<Report | undefined>()
  const run = useAction()
  const exporting = useAction()
  const set = (field: keyof typeof form) => (e: Event) => setForm({ ...form, [field]: (e.currentTarget as HTMLInputElement).value })
  const body = (format: 'json' | 'csv') => ({
    personalId: form.personalId.trim(), format,
    ...(form.from && { from: fromLocalInput(form.from) }), ...(form.to && { to: fromLocalInput(form.to) }),
  })
  const submit = (e: Event) => {
    e.preventDefault()
    void run.run(async () => {
      setReport(await api<Report>('/admin/audit/access-report', { body: body('json'), headers: { 'x-purpose': form.purpose } }))
      return undefined
    })
  }
  const exportCsv = () => exporting.run(async () => {
    const blob = await api<Blob>('/admin/audit/access-report', { body: body('csv'), headers: { 'x-purpose': form.purpose }, blob: true })
    saveBlob(blob, `bao-cao-truy-cap-${new Date().toISOString().slice(0, 10)}.csv`)
    return t('report.exported')
  })

  return (
    <>
      <Section title={t('report.title')}>
        <p class="muted small">{t('report.note')}</p>
        <form class="filters wrap" onSubmit={submit}>
          <label>{t('report.personalId')}
            <input name="personalId" required inputMode="numeric" autoComplete="off" pattern="[0-9]{9,13}(-[0-9]{3})?" value={form.personalId} onInput={set('personalId')} />
          </label>
          <label class="grow">{t('report.purpose')}
            <input name="purpose" required maxLength={200} value={form.purpose} placeholder={t('report.purposeHint')} onInput={set('purpose')} />
          </label>
          <label>{t('common.from')}<input type="datetime-local" value={form.from} onInput={set('from')} /></label>
          <label>{t('common.to')}<input type="datetime-local" value={form.to} onInput={set('to')} /></label>
          <button type="submit" class="primary" disabled={run.busy}>{t('report.run')}</button>
        </form>
        <ErrorNotice error={run.error} />
      </Section>
      {report && (
        <Section
          title={t('report.resultTitle', { subject: report.subject })}
          actions={<button type="button" onClick={exportCsv} disabled={exporting.busy || form.personalId === ''}>{t('report.exportCsv')}</button>}
        >
          <p>{t('report.summary', { n: report.accesses.length, subject: report.subject, at: formatTime(lang, report.generatedAt) })}</p>
          {report.truncated && <Notice kind="warn">{t('report.truncated')}</Notice>}
          {exporting.done && <Notice kind="ok">{exporting.done}</Notice>}
          <ErrorNotice error={exporting.error} />
          <Table label={t('report.title')} empty="report.none" head={[t('col.time'), t('col.client'), t('col.officer'), t('common.purpose'), t('col.connector'), t('col.operation'), t('col.outcome')]}>
            {report.accesses.map((a) => (
              <tr key={a.seq}>
                <td class="nowrap">{formatTime(lang, a.at)}</td><td>{a.client}</td><td>{a.officerId}</td><td>{a.purpose}</td>
                <td>{a.connector}</td><td><code>{a.operation}</code></td><td>{a.outcome}</td>
              </tr>
            ))}
          </Table>
        </Section>
      )}
    </>
  )
}
