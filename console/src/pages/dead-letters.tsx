/**
 * Dead letters (GET /admin/dead-letters): changes refused upstream or out of attempts, with the
 * reason; replay one (POST /admin/dead-letters/{id}/replay) or every one of a target that died
 * since a time (POST /admin/dead-letters/replay).
 */
import { useState } from 'preact/hooks'
import { api, query } from '../api'
import { Badge, ConfirmButton, ErrorNotice, Loading, Notice, Section, Table, fromLocalInput, toLocalInput, useAction, useLoad } from '../components'
import { formatTime, useI18n } from '../i18n'
import type { TargetCounts } from './queues'

interface DeadLetter {
  id: number; target: string; dossierCode: string; kind: 'snapshot' | 'progress' | 'message'; version: number | null; stepId: string | null
  attempts: number; lastError: string | null; upstreamCode: string | null; acceptedAt: string; deadAt: string
}

export function DeadLettersPage() {
  const { t, lang } = useI18n()
  const targets = useLoad(() => api<{ targets: Record<string, TargetCounts> }>('/admin/queues'))
  const [target, setTarget] = useState('')
  const [since, setSince] = useState('')
  const [pages, setPages] = useState<DeadLetter[]>([])
  const [more, setMore] = useState<number | null | undefined>(undefined)
  const letters = useLoad(async () => {
    const page = await api<{ items: DeadLetter[]; next: number | null }>(`/admin/dead-letters${query({ target, since: fromLocalInput(since), limit: 100 })}`)
    setPages([])
    setMore(undefined)
    return page
  }, [target, since])
  const next = more === undefined ? letters.data?.next ?? null : more
  const loadMore = async () => {
    if (next === null) return
    const page = await api<{ items: DeadLetter[]; next: number | null }>(`/admin/dead-letters${query({ target, since: fromLocalInput(since), limit: 100, after: next })}`)
    setPages((p) => [...p, ...page.items])
    setMore(page.next)
  }
  const one = useAction()
  const windowed = useAction()
  const [windowTarget, setWindowTarget] = useState('')
  const [windowSince, setWindowSince] = useState(toLocalInput(new Date(Date.now() - 3600_000)))
  const items = [...(letters.data?.items ?? []), ...pages]
  const targetNames = Object.keys(targets.data?.targets ?? {})

  const replay = (letter: DeadLetter) => one.run(async () => {
    const r = await api<{ replayed: number }>(`/admin/dead-letters/${letter.id}/replay`, { method: 'POST' })
    letters.reload()
    return t('dead.replayedOne', { id: letter.id, code: letter.dossierCode, n: r.replayed })
  })

  return (
    <>
      <Section title={t('dead.title')} actions={<button type="button" onClick={letters.reload}>{t('common.refresh')}</button>}>
        <div class="filters">
          <label>{t('col.target')}
            <select value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
              <option value="">{t('common.all')}</option>
              {targetNames.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          </label>
          <label>{t('dead.diedSince')}
            <input type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
          </label>
        </div>
        {one.done && <Notice kind="ok">{one.done}</Notice>}
        <ErrorNotice error={one.error} />
        <Loading loaded={letters} />
        {letters.data && (
          <Table label={t('dead.title')} empty="dead.none" head={[t('col.id'), t('col.target'), t('col.dossier'), t('col.change'), t('col.attempts'), t('col.reason'), t('col.deadAt'), '']}>
            {items.map((d) => (
              <tr key={d.id} data-dead-letter={d.id}>
                <td>{d.id}</td><td>{d.target}</td><td><code>{d.dossierCode}</code></td>
                <td>{d.kind === 'snapshot' ? t('dead.version', { v: d.version ?? '?' }) : d.kind === 'progress' ? t('dead.step', { id: d.stepId ?? '?' }) : t('dead.message', { id: d.stepId ?? '?' })}</td>
                <td class="num">{d.attempts}</td>
                <td class="reason">{d.lastError ?? '—'}{d.upstreamCode && <> <Badge tone="warn">{d.upstreamCode}</Badge></>}</td>
                <td class="nowrap">{formatTime(lang, d.deadAt)}</td>
                <td><button type="button" class="primary" disabled={one.busy} onClick={() => replay(d)}>{t('dead.replay')}</button></td>
              </tr>
            ))}
          </Table>
        )}
        {next !== null && letters.data && <button type="button" onClick={loadMore}>{t('common.more')}</button>}
      </Section>
      <Section title={t('dead.windowTitle')}>
        <p class="muted small">{t('dead.windowNote')}</p>
        <div class="filters">
          <label>{t('col.target')}
            <select value={windowTarget} onChange={(e) => setWindowTarget(e.currentTarget.value)} required>
              <option value="">{t('common.choose')}</option>
              {targetNames.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          </label>
          <label>{t('dead.diedSince')}
            <input type="datetime-local" value={windowSince} onInput={(e) => setWindowSince(e.currentTarget.value)} required />
          </label>
          <ConfirmButton
            label={t('dead.replayWindow')} confirm={t('dead.replayWindowConfirm', { target: windowTarget || '?', since: formatTime(lang, fromLocalInput(windowSince)) })}
            disabled={!windowTarget || !windowSince || windowed.busy}
            onConfirm={() => windowed.run(async () => {
              const r = await api<{ replayed: number }>('/admin/dead-letters/replay', { body: { target: windowTarget, since: fromLocalInput(windowSince) } })
              letters.reload()
              return t('dead.replayedWindow', { n: r.replayed, target: windowTarget })
            })}
          />
        </div>
        {windowed.done && <Notice kind="ok">{windowed.done}</Notice>}
        <ErrorNotice error={windowed.error} />
      </Section>
    </>
  )
}
