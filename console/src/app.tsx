/** The console shell: session (sign in / out), language, navigation by URL hash, the pages. */
import type { JSX } from 'preact'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, ApiError, whenSessionEnds } from './api'
import { ErrorNotice } from './components'
import { LangContext, initialLang, saveLang, translator, useI18n, type Lang, type MessageKey } from './i18n'
import { ConnectorsPage } from './pages/connectors'
import { QueuesPage } from './pages/queues'
import { DeadLettersPage } from './pages/dead-letters'
import { SubscribersPage } from './pages/subscribers'
import { EdocsPage } from './pages/edocs'
import { AuditPage } from './pages/audit'
import { AccessReportPage } from './pages/access-report'
import { IndicatorsPage } from './pages/indicators'

export interface Session {
  client: string
  officerId: string
  scopes: string[]
  expiresAt: string
  idleMs: number
}

const PAGES: Array<{ path: string; title: MessageKey; render(): JSX.Element }> = [
  { path: 'connectors', title: 'nav.connectors', render: () => <ConnectorsPage /> },
  { path: 'queues', title: 'nav.queues', render: () => <QueuesPage /> },
  { path: 'dead-letters', title: 'nav.deadLetters', render: () => <DeadLettersPage /> },
  { path: 'subscribers', title: 'nav.subscribers', render: () => <SubscribersPage /> },
  { path: 'edocs', title: 'nav.edocs', render: () => <EdocsPage /> },
  { path: 'audit', title: 'nav.audit', render: () => <AuditPage /> },
  { path: 'access-report', title: 'nav.accessReport', render: () => <AccessReportPage /> },
  { path: 'indicators', title: 'nav.indicators', render: () => <IndicatorsPage /> },
]

const currentPath = () => location.hash.replace(/^#\/?/, '') || 'connectors'

function useHashPath(): string {
  const [path, setPath] = useState(currentPath())
  useEffect(() => {
    const onChange = () => setPath(currentPath())
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return path
}

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang())
  const i18n = useMemo(() => ({ lang, t: translator(lang), setLang: (l: Lang) => { saveLang(l); setLangState(l) } }), [lang])
  const [session, setSession] = useState<Session | null | undefined>(undefined)
  const [ended, setEnded] = useState(false)

  useEffect(() => {
    saveLang(lang)
    whenSessionEnds(() => { setSession(null); setEnded(true) })
    api<Session>('/console/session').then(setSession, () => setSession(null))
  }, [])

  return (
    <LangContext.Provider value={i18n}>
      {session === undefined
        ? <p class="muted center">{i18n.t('common.loading')}</p>
        : session === null
          ? <SignIn ended={ended} onSignedIn={(s) => { setEnded(false); setSession(s) }} />
          : <Shell session={session} onSignedOut={() => setSession(null)} />}
    </LangContext.Provider>
  )
}

function LangSwitch() {
  const { lang, setLang, t } = useI18n()
  return (
    <div class="lang" role="group" aria-label={t('lang.label')}>
      <button type="button" aria-pressed={lang === 'vi'} onClick={() => setLang('vi')}>VI</button>
      <button type="button" aria-pressed={lang === 'en'} onClick={() => setLang('en')}>EN</button>
    </div>
  )
}

function SignIn(props: { ended: boolean; onSignedIn(s: Session): void }) {
  const { t } = useI18n()
  const [key, setKey] = useState('')
  const [officerId, setOfficerId] = useState('')
  const [error, setError] = useState<Error | undefined>()
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const s = await api<Session>('/console/session', { body: { key, officerId } })
      setKey('')
      props.onSignedIn(s)
    } catch (err) {
      setError(err as Error)
    } finally {
      setBusy(false)
    }
  }
  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={submit}>
        <div class="signin-head">
          <h1>{t('app.title')}</h1>
          <LangSwitch />
        </div>
        <p class="muted">{t('signin.intro')}</p>
        {props.ended && <div class="notice warn" role="status">{t('signin.ended')}</div>}
        <label>
          {t('signin.officer')}
          <input name="officerId" required maxLength={64} pattern="[\x21-\x7e]+" autoComplete="username" value={officerId} onInput={(e) => setOfficerId(e.currentTarget.value)} />
        </label>
        <label>
          {t('signin.key')}
          <input name="key" type="password" required autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
        <ErrorNotice error={error instanceof ApiError && error.status === 401 ? new Error(t('signin.badKey')) : error} />
        <button type="submit" class="primary" disabled={busy}>{t('signin.submit')}</button>
        <p class="muted small">{t('signin.note')}</p>
      </form>
    </main>
  )
}

function Shell(props: { session: Session; onSignedOut(): void }) {
  const { t, lang } = useI18n()
  const path = useHashPath()
  const page = PAGES.find((p) => p.path === path) ?? PAGES[0]!
  useEffect(() => { document.title = `${t(page.title)} – ${t('app.title')}` }, [page, lang])
  const signOut = async () => {
    try {
      await api('/console/session', { method: 'DELETE' })
    } finally {
      props.onSignedOut()
    }
  }
  return (
    <div class="shell">
      <nav class="side" aria-label={t('nav.label')}>
        <div class="brand">{t('app.title')}</div>
        <ul>
          {PAGES.map((p) => (
            <li key={p.path}><a href={`#/${p.path}`} aria-current={p === page ? 'page' : undefined}>{t(p.title)}</a></li>
          ))}
        </ul>
      </nav>
      <div class="main">
        <header class="top">
          <h1>{t(page.title)}</h1>
          <div class="who">
            <span title={t('top.expires', { at: props.session.expiresAt })}>{t('top.signedInAs', { officer: props.session.officerId, client: props.session.client })}</span>
            <LangSwitch />
            <button type="button" onClick={signOut}>{t('top.signOut')}</button>
          </div>
        </header>
        <main class="content">{page.render()}</main>
      </div>
    </div>
  )
}
