/**
 * The document axis: documents sent and received with their statuses (GET /admin/edocs), and
 * packages the hub could not take in (GET /admin/edocs/receive-failures) with what
 * `edxml:inspect` says of a quarantined one, retry and discard.
 */
import { useState } from 'preact/hooks'
import { api, ApiError, query } from '../api'
import { Badge, ConfirmButton, ErrorNotice, Loading, Notice, Section, Table, useAction, useLoad, type Tone } from '../components'
import { formatTime, useI18n, type MessageKey } from '../i18n'

interface EdocItem {
  id: string; direction: 'outgoing' | 'incoming'; documentId: string; from: string; to: string[]; subject: string; createdAt: string
  sending: { state: string; attempts: number; lastError: string | null } | null
  lastStatus: { code: string; status: string; from: string; at: string; direction: 'incoming' | 'outgoing' } | null
  statuses: number
}
interface ReceiveFailure {
  docId: string; messageType: 'edoc' | 'status'; from: string; to: string; failures: number; lastError: string; state: 'retrying' | 'quarantined'
  retryAt: string | null; quarantinedAt: string | null; size: number | null; firstFailedAt: string; lastFailedAt: string
}
type Inspection = { ok: true; kind: string; signature?: { status?: string; [k: string]: unknown }; [k: string]: unknown } | { ok: false; element: string | null; reason: string }

const SENDING_TONE: Record<string, Tone> = { delivered: 'ok', pending: 'neutral', retrying: 'warn', dead: 'bad', superseded: 'neutral' }

export function EdocsPage() {
  const { t } = useI18n()
  const [direction, setDirection] = useState<'outgoing' | 'incoming'>('outgoing')
  const docs = useLoad(() => api<{ items: EdocItem[]; next: string | null }>(`/admin/edocs${query({ direction, limit: 100 })}`), [direction])
  if (docs.error instanceof ApiError && docs.error.status === 404) return <Notice kind="warn">{t('edocs.notEnabled')}</Notice>
  return (
    <>
      <Section
        title={t('edocs.title')}
        actions={
          <div class="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={direction === 'outgoing'} onClick={() => setDirection('outgoing')}>{t('edocs.sent')}</button>
            <button type="button" role="tab" aria-selected={direction === 'incoming'} onClick={() => setDirection('incoming')}>{t('edocs.received')}</button>
            <button type="button" onClick={docs.reload}>{t('common.refresh')}</button>
          </div>
        }
      >
        <Loading loaded={docs} />
        {docs.data && <DocumentTable items={docs.data.items} />}
      </Section>
      <ReceiveFailures />
    </>
  )
}

/** A known state or status name in the UI language; an unknown one as the hub wrote it. */
function named(t: ReturnType<typeof useI18n>['t'], prefix: 'edocs.st.' | 'edocs.sn.', name: string): string {
  const key = `${prefix}${name}` as MessageKey
  const text = t(key)
  return text === key ? name : text
}

function DocumentTable({ items }: { items: EdocItem[] }) {
  const { t, lang } = useI18n()
  return (
    <Table label={t('edocs.title')} empty="edocs.none" head={[t('col.time'), t('edocs.number'), t('edocs.subject'), t('edocs.from'), t('edocs.to'), t('edocs.sending'), t('edocs.lastStatus')]}>
      {items.map((d) => (
        <tr key={d.id}>
          <td class="nowrap">{formatTime(lang, d.createdAt)}</td>
          <td><code class="wrap">{d.documentId}</code></td>
          <td>{d.subject}</td><td>{d.from}</td><td>{d.to.join(', ')}</td>
          <td>{d.sending ? <><Badge tone={SENDING_TONE[d.sending.state] ?? 'neutral'}>{named(t, 'edocs.st.', d.sending.state)}</Badge>{d.sending.lastError && <div class="muted small">{d.sending.lastError}</div>}</> : '—'}</td>
          <td>
            {d.lastStatus
              ? <><Badge tone={d.lastStatus.code === '02' ? 'bad' : d.lastStatus.code === '06' ? 'ok' : 'neutral'}>{d.lastStatus.code} · {named(t, 'edocs.sn.', d.lastStatus.status)}</Badge><div class="muted small">{d.lastStatus.from} · {formatTime(lang, d.lastStatus.at)} · {t('edocs.count', { n: d.statuses })}</div></>
              : '—'}
          </td>
        </tr>
      ))}
    </Table>
  )
}

function ReceiveFailures() {
  const { t, lang } = useI18n()
  const failures = useLoad(() => api<{ failures: ReceiveFailure[] }>('/admin/edocs/receive-failures?limit=200'))
  const action = useAction()
  const [inspected, setInspected] = useState<{ docId: string; inspection: Inspection | null } | undefined>()
  const inspect = (f: ReceiveFailure) => action.run(async () => {
    setInspected(await api<{ docId: string; inspection: Inspection | null }>(`/admin/edocs/receive-failures/${encodeURIComponent(f.docId)}/inspection`))
    return undefined
  })
  const retry = (f: ReceiveFailure) => action.run(async () => {
    const r = await api<{ outcome: string }>(`/admin/edocs/receive-failures/${encodeURIComponent(f.docId)}/retry`, { method: 'POST' })
    failures.reload()
    return t(r.outcome === 'stored' ? 'edocs.retryStored' : 'edocs.retryScheduled', { id: f.docId })
  })
  const discard = (f: ReceiveFailure) => action.run(async () => {
    await api(`/admin/edocs/receive-failures/${encodeURIComponent(f.docId)}`, { method: 'DELETE' })
    failures.reload()
    setInspected(undefined)
    return t('edocs.discarded', { id: f.docId })
  })
  return (
    <Section title={t('edocs.failuresTitle')} actions={<button type="button" onClick={failures.reload}>{t('common.refresh')}</button>}>
      <p class="muted small">{t('edocs.failuresNote')}</p>
      {action.done && <Notice kind="ok">{action.done}</Notice>}
      <ErrorNotice error={action.error} />
      <Loading loaded={failures} />
      {failures.data && (
        <Table label={t('edocs.failuresTitle')} empty="edocs.noFailures" head={[t('edocs.docId'), t('col.type'), t('edocs.from'), t('col.attempts'), t('col.reason'), t('col.state'), '']}>
          {failures.data.failures.map((f) => (
            <tr key={f.docId}>
              <td><code class="wrap">{f.docId}</code></td><td>{f.messageType}</td><td>{f.from}</td><td class="num">{f.failures}</td>
              <td class="reason">{f.lastError}</td>
              <td><Badge tone={f.state === 'quarantined' ? 'bad' : 'warn'}>{t(f.state === 'quarantined' ? 'edocs.quarantined' : 'edocs.retrying')}</Badge><div class="muted small">{formatTime(lang, f.quarantinedAt ?? f.retryAt ?? f.lastFailedAt)}</div></td>
              <td class="actions">
                {f.state === 'quarantined' && <button type="button" disabled={action.busy} onClick={() => inspect(f)}>{t('edocs.inspect')}</button>}
                <button type="button" disabled={action.busy} onClick={() => retry(f)}>{t('edocs.retry')}</button>
                <ConfirmButton danger label={t('edocs.discard')} confirm={t('edocs.discardConfirm')} disabled={action.busy} onConfirm={() => discard(f)} />
              </td>
            </tr>
          ))}
        </Table>
      )}
      {inspected && <InspectionView docId={inspected.docId} inspection={inspected.inspection} />}
    </Section>
  )
}

function InspectionView({ docId, inspection }: { docId: string; inspection: Inspection | null }) {
  const { t } = useI18n()
  return (
    <div class="inspection" aria-label={t('edocs.inspection')}>
      <h3>{t('edocs.inspection')}: <code>{docId}</code></h3>
      {inspection === null
        ? <p>{t('edocs.notKept')}</p>
        : inspection.ok
          ? <p><Badge tone="ok">{t('edocs.readable', { kind: inspection.kind })}</Badge> {inspection.signature && <Badge tone={inspection.signature.status === 'valid' ? 'ok' : 'warn'}>{t('edocs.signature', { status: String(inspection.signature.status ?? '?') })}</Badge>}</p>
          : <p><Badge tone="bad">{t('edocs.unreadable')}</Badge> <code>{inspection.element ?? '—'}</code>: {inspection.reason}</p>}
      <details><summary>{t('edocs.inspectJson')}</summary><pre>{JSON.stringify(inspection, null, 2)}</pre></details>
    </div>
  )
}
