/**
 * Webhook subscribers (GET /admin/subscribers; enable after a 410: POST …/enable), dead
 * deliveries (GET /admin/deliveries/dead; replay one), and events no subscriber serves
 * (GET /admin/events/unrouted: they carry applicants' data, so the operator states why and the
 * read is audited by the hub). In the sandbox, what its sample subscriber received
 * (GET /admin/sandbox/subscriber/deliveries; the route is absent, 404, outside the sandbox).
 */
import { useState } from 'preact/hooks'
import { ApiError, api, query } from '../api'
import { Badge, ErrorNotice, Loading, Notice, Section, Table, useAction, useLoad } from '../components'
import { formatTime, useI18n } from '../i18n'

interface Subscriber { name: string; url: string; agencies: string[] | null; disabledAt: string | null; disabledReason: string | null; open: number; dead: number }
interface DeadDelivery { subscriber: string; seq: number; eventId: string; type: string; attempts: number; lastStatus: number | null; lastError: string | null; deadAt: string }
interface SampleDelivery { webhookId: string | null; type: string | null; agencyCode: string | null; dossierCode: string | null; edocId: string | null; receivedAt: string; answered: number; signature: 'valid' | 'invalid' }
interface SampleDeliveries { subscriber: { name: string; url: string; answer: number; remaining: number | null }; deliveries: SampleDelivery[] }
interface FeedEvent { seq: number; id: string; source: string; type: string; agencyCode: string | null; dossierCode: string | null; receivedAt: string }

export function SubscribersPage() {
  const { t, lang } = useI18n()
  const subscribers = useLoad(() => api<{ subscribers: Subscriber[] }>('/admin/subscribers'))
  const dead = useLoad(() => api<{ items: DeadDelivery[] }>('/admin/deliveries/dead?limit=200'))
  const action = useAction()
  const enable = (s: Subscriber) => action.run(async () => {
    await api(`/admin/subscribers/${encodeURIComponent(s.name)}/enable`, { method: 'POST' })
    subscribers.reload()
    return t('subs.enabled', { name: s.name })
  })
  const replay = (d: DeadDelivery) => action.run(async () => {
    await api(`/admin/deliveries/${encodeURIComponent(d.subscriber)}/${d.seq}/replay`, { method: 'POST' })
    dead.reload()
    subscribers.reload()
    return t('subs.replayed', { seq: d.seq, name: d.subscriber })
  })
  return (
    <>
      {action.done && <Notice kind="ok">{action.done}</Notice>}
      <ErrorNotice error={action.error} />
      <Section title={t('subs.title')} actions={<button type="button" onClick={() => { subscribers.reload(); dead.reload() }}>{t('common.refresh')}</button>}>
        <Loading loaded={subscribers} />
        {subscribers.data && (
          <Table label={t('subs.title')} empty="subs.none" head={[t('col.name'), t('col.url'), t('col.agencies'), t('col.state'), t('subs.open'), t('subs.dead'), '']}>
            {subscribers.data.subscribers.map((s) => (
              <tr key={s.name} data-subscriber={s.name}>
                <td><strong>{s.name}</strong></td><td><code class="wrap">{s.url}</code></td><td>{s.agencies?.join(', ') ?? t('common.all')}</td>
                <td>
                  {s.disabledAt
                    ? <><Badge tone="bad">{t('subs.disabled')}</Badge> <span class="muted small">{formatTime(lang, s.disabledAt)}{s.disabledReason ? ` · ${s.disabledReason}` : ''}</span></>
                    : <Badge tone="ok">{t('subs.active')}</Badge>}
                </td>
                <td class="num">{s.open}</td><td class="num">{s.dead}</td>
                <td>{s.disabledAt && <button type="button" class="primary" disabled={action.busy} onClick={() => enable(s)}>{t('subs.enable')}</button>}</td>
              </tr>
            ))}
          </Table>
        )}
      </Section>
      <Section title={t('subs.deadTitle')}>
        <Loading loaded={dead} />
        {dead.data && (
          <Table label={t('subs.deadTitle')} empty="subs.noDead" head={[t('col.subscriber'), t('col.seq'), t('col.type'), t('col.attempts'), t('col.reason'), t('col.deadAt'), '']}>
            {dead.data.items.map((d) => (
              <tr key={`${d.subscriber}-${d.seq}`}>
                <td>{d.subscriber}</td><td class="num">{d.seq}</td><td><code>{d.type}</code></td><td class="num">{d.attempts}</td>
                <td class="reason">{[d.lastStatus && `HTTP ${d.lastStatus}`, d.lastError].filter(Boolean).join(' · ') || '—'}</td>
                <td class="nowrap">{formatTime(lang, d.deadAt)}</td>
                <td><button type="button" disabled={action.busy} onClick={() => replay(d)}>{t('dead.replay')}</button></td>
              </tr>
            ))}
          </Table>
        )}
      </Section>
      <SampleSubscriberDeliveries />
      <UnroutedEvents />
    </>
  )
}

/** The sandbox's sample subscriber (src/sim/sample-subscriber.ts): nothing outside the sandbox. */
function SampleSubscriberDeliveries() {
  const { t, lang } = useI18n()
  const sample = useLoad(() => api<SampleDeliveries>('/admin/sandbox/subscriber/deliveries?limit=50'))
  if (sample.error instanceof ApiError && sample.error.status === 404) return null
  const s = sample.data?.subscriber
  return (
    <Section title={t('subs.sampleTitle')} id="sample-subscriber" actions={<button type="button" onClick={sample.reload}>{t('common.refresh')}</button>}>
      <Loading loaded={sample} />
      {s && <p class="muted small">{t('subs.sampleNote', { name: s.name, url: s.url, answer: s.answer, remaining: s.remaining === null ? '' : t('subs.sampleRemaining', { n: s.remaining }) })}</p>}
      {sample.data && (
        <Table label={t('subs.sampleTitle')} empty="subs.sampleNone" head={[t('col.receivedAt'), t('col.id'), t('col.type'), t('col.agency'), t('col.dossier'), t('subs.answered'), t('subs.signature')]}>
          {sample.data.deliveries.map((d, i) => (
            <tr key={`${d.webhookId ?? ''}-${i}`} data-sample-delivery={d.webhookId ?? ''}>
              <td class="nowrap">{formatTime(lang, d.receivedAt)}</td><td><code>{d.webhookId ?? '—'}</code></td><td><code>{d.type ?? '—'}</code></td>
              <td>{d.agencyCode ?? '—'}</td><td>{d.dossierCode ?? d.edocId ?? '—'}</td>
              <td><Badge tone={d.answered >= 200 && d.answered < 300 ? 'ok' : 'bad'}>{d.answered}</Badge></td>
              <td><Badge tone={d.signature === 'valid' ? 'ok' : 'bad'}>{t(d.signature === 'valid' ? 'subs.sigValid' : 'subs.sigInvalid')}</Badge></td>
            </tr>
          ))}
        </Table>
      )}
    </Section>
  )
}

function UnroutedEvents() {
  const { t, lang } = useI18n()
  const [purpose, setPurpose] = useState('')
  const [events, setEvents] = useState<FeedEvent[] | undefined>()
  const load = useAction()
  const read = (e: Event) => {
    e.preventDefault()
    void load.run(async () => {
      const page = await api<{ events: FeedEvent[]; next: number }>(`/admin/events/unrouted${query({ after: 0, limit: 200 })}`, { headers: { 'x-purpose': purpose } })
      setEvents(page.events)
      return undefined
    })
  }
  return (
    <Section title={t('subs.unroutedTitle')}>
      <p class="muted small">{t('subs.unroutedNote')}</p>
      <form class="filters" onSubmit={read}>
        <label>{t('common.purpose')}
          <input required maxLength={200} value={purpose} placeholder={t('subs.unroutedPurpose')} onInput={(e) => setPurpose(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={load.busy}>{t('subs.unroutedLoad')}</button>
      </form>
      <ErrorNotice error={load.error} />
      {events && (
        <Table label={t('subs.unroutedTitle')} empty="subs.noUnrouted" head={[t('col.seq'), t('col.type'), t('col.agency'), t('col.dossier'), t('col.source'), t('col.receivedAt')]}>
          {events.map((ev) => (
            <tr key={ev.seq}>
              <td class="num">{ev.seq}</td><td><code>{ev.type}</code></td><td>{ev.agencyCode ?? '—'}</td><td>{ev.dossierCode ?? '—'}</td><td>{ev.source}</td>
              <td class="nowrap">{formatTime(lang, ev.receivedAt)}</td>
            </tr>
          ))}
        </Table>
      )}
    </Section>
  )
}
