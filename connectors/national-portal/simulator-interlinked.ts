/**
 * The simulator's interlinked services (DVCLT), on the portal simulator's server: token login,
 * the list of items not yet acknowledged, each item's detail, the acknowledgement. Items are
 * added through `POST /__sim/interlinked/items`; `GET /__sim/interlinked` shows items and acks.
 * Shapes as in interlinked.ts (reference §5; paths other than the detail's are ours).
 */
import { randomBytes } from 'node:crypto'
import { INTERLINKED_DEFAULT_PATHS } from './interlinked.js'

export const SANDBOX_INTERLINKED = Object.freeze({ username: 'sandbox-dvclt', password: 'sandbox-dvclt-password-not-real' })

export interface InterlinkedItem {
  id: string
  maDonVi: number
  maTTHC: string
  module: string
  maHoSo: string
  ngayTiepNhan: string
  techId: string
  /** The detail's `data` (the form) and files. */
  data: Record<string, unknown>
  fileDinhKem: Array<Record<string, unknown>>
}

type Reply = { status: number; body: unknown }
type Json = Record<string, unknown>

export function createInterlinked() {
  const items = new Map<string, InterlinkedItem>()
  const acks: Array<{ maHoSo: string; at: string }> = []
  const tokens = new Set<string>()
  const paths = INTERLINKED_DEFAULT_PATHS
  const detail = new RegExp(`^${paths.detail.replace('{id}', '([^/]+)').replace(/\//g, '\\/')}$`)
  const acked = new Set<string>()

  function authorised(header: string | undefined) {
    return header !== undefined && header.startsWith('Bearer ') && tokens.has(header.slice(7))
  }

  /** Undefined when the route is not the interlinked service's. */
  function handle(method: string, route: string, authorization: string | undefined, body: unknown): Reply | undefined {
    if (route === paths.login && method === 'POST') {
      const b = body as Json | undefined
      if (b?.['userName'] !== SANDBOX_INTERLINKED.username || b?.['password'] !== SANDBOX_INTERLINKED.password) return { status: 401, body: { message: 'Sai tên đăng nhập hoặc mật khẩu' } }
      const token = randomBytes(16).toString('hex')
      tokens.add(token)
      return { status: 200, body: { token, refreshToken: randomBytes(16).toString('hex'), expiresIn: 3600 } }
    }
    const isList = route === paths.list && method === 'GET'
    const isAck = route === paths.ack && method === 'PUT'
    const m = method === 'GET' ? detail.exec(route) : null
    if (!isList && !isAck && !m) return undefined
    if (!authorised(authorization)) return { status: 401, body: { message: 'Unauthorized' } }
    if (isList) {
      const waiting = [...items.values()].filter((i) => !acked.has(i.maHoSo))
      return { status: 200, body: { data: waiting.map(({ data: _d, fileDinhKem: _f, ...summary }) => summary) } }
    }
    if (isAck) {
      const b = body as Json | undefined
      if (typeof b?.['maHoSo'] !== 'string' || b['daNhan'] !== true) return { status: 400, body: { message: 'Thiếu maHoSo hoặc daNhan' } }
      acked.add(b['maHoSo'])
      acks.push({ maHoSo: b['maHoSo'], at: new Date().toISOString() })
      return { status: 200, body: { data: true } }
    }
    const item = items.get(decodeURIComponent(m![1]!))
    if (!item) return { status: 404, body: { message: 'Không tìm thấy hồ sơ' } }
    const { data, fileDinhKem, ...summary } = item
    return { status: 200, body: { data: { ...summary, data, fileDinhKem } } }
  }

  return {
    handle,
    add(item: InterlinkedItem) {
      items.set(item.id, structuredClone(item))
    },
    view: () => ({ items: [...items.values()].map((i) => ({ id: i.id, maHoSo: i.maHoSo, acknowledged: acked.has(i.maHoSo) })), acks: [...acks] }),
  }
}
