/** Connectors: health, circuit state, redacted config (GET /admin/connectors) and recent upstream failures. */
import { api } from '../api'
import { Badge, Loading, Section, Table, useLoad, type Tone } from '../components'
import { formatTime, useI18n } from '../i18n'

interface Connector {
  id: string
  circuit: 'closed' | 'open' | 'half_open'
  health: { ok: boolean; latencyMs: number; detail?: string }
  config: Record<string, unknown>
}
interface UpstreamFailure { connector: string; operation: string; at: string; kind: string; message: string; upstreamCode: string | null; status: number | null }

const CIRCUIT_TONE: Record<Connector['circuit'], Tone> = { closed: 'ok', half_open: 'warn', open: 'bad' }

export function ConnectorsPage() {
  const { t, lang } = useI18n()
  const connectors = useLoad(() => api<{ connectors: Connector[] }>('/admin/connectors'))
  const failures = useLoad(() => api<{ errors: UpstreamFailure[] }>('/admin/upstream-errors?limit=50'))
  return (
    <>
      <Section title={t('connectors.title')} actions={<button type="button" onClick={() => { connectors.reload(); failures.reload() }}>{t('common.refresh')}</button>}>
        <Loading loaded={connectors} />
        <div class="grid">
          {connectors.data?.connectors.map((c) => (
            <article class="tile" key={c.id} data-connector={c.id}>
              <h3>{c.id}</h3>
              <p>
                <Badge tone={c.health.ok ? 'ok' : 'bad'}>{c.health.ok ? t('connectors.healthy') : t('connectors.unhealthy')}</Badge>{' '}
                <Badge tone={CIRCUIT_TONE[c.circuit]}>{t('connectors.circuit')}: {t(`circuit.${c.circuit}`)}</Badge>
              </p>
              <p class="muted small">{t('connectors.latency', { ms: c.health.latencyMs })}{c.health.detail ? ` · ${c.health.detail}` : ''}</p>
              <details>
                <summary>{t('connectors.config')}</summary>
                <pre>{JSON.stringify(c.config, null, 2)}</pre>
              </details>
            </article>
          ))}
        </div>
      </Section>
      <Section title={t('connectors.failures')}>
        <p class="muted small">{t('connectors.failuresNote')}</p>
        <Loading loaded={failures} />
        {failures.data && (
          <Table label={t('connectors.failures')} empty="connectors.noFailures" head={[t('col.time'), t('col.connector'), t('col.operation'), t('col.kind'), t('col.message'), t('col.upstreamCode')]}>
            {failures.data.errors.map((e, i) => (
              <tr key={`${e.at}-${i}`}>
                <td class="nowrap">{formatTime(lang, e.at)}</td><td>{e.connector}</td><td><code>{e.operation}</code></td>
                <td><Badge tone={e.kind === 'rejected' ? 'warn' : 'bad'}>{e.kind}</Badge></td><td>{e.message}</td>
                <td>{[e.upstreamCode, e.status].filter((v) => v !== null).join(' / ') || '—'}</td>
              </tr>
            ))}
          </Table>
        )}
      </Section>
    </>
  )
}
