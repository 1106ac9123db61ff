/**
 * The simulator's interlinked services (DVCLT), on the portal simulator's server: token login, the
 * list of items not yet acknowledged, each item's detail in the real nesting (a JSON text holding
 * an XML text with `<hoTich>`, see interlinked-read.ts), the acknowledgement, and the status
 * reports back, validated (simulator-interlinked-status.ts) and recorded. Items are added through
 * `POST /__sim/interlinked/items`; `GET /__sim/interlinked` shows items, acks and statuses.
 * Paths other than the detail's are ours (unverified).
 */
import { randomBytes } from 'node:crypto'
import { INTERLINKED_DEFAULT_PATHS } from './interlinked.js'
import { checkStatusReport, type ReceivedStatus } from './simulator-interlinked-status.js'

export const SANDBOX_INTERLINKED = Object.freeze({ username: 'sandbox-dvclt', password: 'sandbox-dvclt-password-not-real' })

export interface InterlinkedItem {
  id: string
  maDonVi: number
  maTTHC: string
  /** `KS` birth, `KT` death (HV compares with these). */
  module: string
  maHoSo: string
  ngayTiepNhan: string
  techId: string
  /** The `<hoTich>` form's elements (e.g. `nycHoTen`, `nycSoGiayToTuyThan`), element name → text. */
  hoTich: Record<string, string>
  fileDinhKem: Array<Record<string, unknown>>
}

type Reply = { status: number; body: unknown }
type Json = Record<string, unknown>

const xmlText = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The form as the platform carries it: XML inside the inner JSON text. */
function formXml(hoTich: Record<string, string>): string {
  const fields = Object.entries(hoTich).filter(([k]) => /^[A-Za-z][A-Za-z0-9]*$/.test(k)).map(([k, v]) => `<${k}>${xmlText(String(v))}</${k}>`)
  return `<?xml version="1.0" encoding="utf-8"?><hoSo><hoTich>${fields.join('')}</hoTich></hoSo>`
}

export function createInterlinked() {
  const items = new Map<string, InterlinkedItem>()
  const acks: Array<{ maHoSo: string; at: string }> = []
  const statuses: ReceivedStatus[] = []
  const tokens = new Set<string>()
  const paths = INTERLINKED_DEFAULT_PATHS
  const detail = new RegExp(`^${paths.detail.replace('{id}', '([^/]+)').replace(/\//g, '\\/')}$`)
  const acked = new Set<string>()

  function authorised(header: string | undefined) {
    return header !== undefined && header.startsWith('Bearer ') && tokens.has(header.slice(7))
  }

  /** Whether the route is one of the interlinked service's (faults apply to those). */
  function owns(method: string, route: string): boolean {
    return (route === paths.login && method === 'POST') || (route === paths.list && method === 'GET') || (route === paths.ack && method === 'PUT')
      || (route === paths.status && method === 'POST') || (method === 'GET' && detail.test(route))
  }

  /** Undefined when the route is not the interlinked service's. */
  function handle(method: string, route: string, authorization: string | undefined, body: unknown): Reply | undefined {
    if (!owns(method, route)) return undefined
    if (route === paths.login) {
      const b = body as Json | undefined
      if (b?.['userName'] !== SANDBOX_INTERLINKED.username || b?.['password'] !== SANDBOX_INTERLINKED.password) return { status: 401, body: { message: 'Sai tên đăng nhập hoặc mật khẩu' } }
      const token = randomBytes(16).toString('hex')
      tokens.add(token)
      return { status: 200, body: { token, refreshToken: randomBytes(16).toString('hex'), refreshTokenExpiryTime: new Date(Date.now() + 3_600_000).toISOString() } }
    }
    if (!authorised(authorization)) return { status: 401, body: { message: 'Unauthorized' } }
    if (route === paths.list) {
      const waiting = [...items.values()].filter((i) => !acked.has(i.maHoSo))
      return { status: 200, body: { data: waiting.map(({ hoTich: _h, fileDinhKem: _f, ...summary }) => summary) } }
    }
    if (route === paths.ack) {
      const b = body as Json | undefined
      if (typeof b?.['maHoSo'] !== 'string' || b['daNhan'] !== true) return { status: 400, body: { message: 'Thiếu maHoSo hoặc daNhan' } }
      acked.add(b['maHoSo'])
      acks.push({ maHoSo: b['maHoSo'], at: new Date().toISOString() })
      return { status: 200, body: { message: 'Cập nhật thành công' } }
    }
    if (route === paths.status) {
      const known = new Set([...items.values()].map((i) => i.maHoSo))
      const verdict = checkStatusReport(body, known, statuses)
      if (verdict.accepted) statuses.push(verdict.accepted)
      return verdict.reply
    }
    const item = items.get(decodeURIComponent(detail.exec(route)![1]!))
    if (!item) return { status: 404, body: { message: 'Không tìm thấy hồ sơ' } }
    const { hoTich, fileDinhKem, ...summary } = item
    const inner = JSON.stringify({ ...summary, data: formXml(hoTich), fileDinhKem })
    return { status: 200, body: { data: { ...summary, data: inner, fileDinhKem: null } } }
  }

  return {
    owns,
    handle,
    add(item: InterlinkedItem) {
      items.set(item.id, structuredClone(item))
    },
    view: () => ({
      items: [...items.values()].map((i) => ({ id: i.id, maHoSo: i.maHoSo, acknowledged: acked.has(i.maHoSo) })),
      acks: [...acks],
      statuses: [...statuses],
    }),
  }
}
