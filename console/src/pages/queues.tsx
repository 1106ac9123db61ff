/** Queues and ledgers per target (GET /admin/queues): BullMQ job counts beside the outbox rows by state. */
import { api } from '../api'
import { Badge, Loading, Section, Table, useLoad } from '../components'
import { formatNumber, useI18n } from '../i18n'

export interface TargetCounts { waiting: number; active: number; delayed: number; failed: number; pending: number; retrying: number; dead: number }

export function QueuesPage() {
  const { t, lang } = useI18n()
  const queues = useLoad(() => api<{ targets: Record<string, TargetCounts> }>('/admin/queues'))
  const n = (v: number) => (v < 0 ? <span title={t('queues.redisDown')}>?</span> : formatNumber(lang, v))
  return (
    <Section title={t('queues.title')} actions={<button type="button" onClick={queues.reload}>{t('common.refresh')}</button>}>
      <p class="muted small">{t('queues.note')}</p>
      <Loading loaded={queues} />
      {queues.data && (
        <Table label={t('queues.title')} empty="queues.none" head={[t('col.target'), t('queues.waiting'), t('queues.active'), t('queues.delayed'), t('queues.failed'), t('queues.pending'), t('queues.retrying'), t('queues.dead')]}>
          {Object.entries(queues.data.targets).map(([target, c]) => (
            <tr key={target}>
              <td><strong>{target}</strong></td>
              <td class="num">{n(c.waiting)}</td><td class="num">{n(c.active)}</td><td class="num">{n(c.delayed)}</td><td class="num">{n(c.failed)}</td>
              <td class="num">{n(c.pending)}</td><td class="num">{n(c.retrying)}</td>
              <td class="num">{c.dead > 0 ? <a href="#/dead-letters"><Badge tone="bad">{formatNumber(lang, c.dead)}</Badge></a> : n(c.dead)}</td>
            </tr>
          ))}
        </Table>
      )}
    </Section>
  )
}
