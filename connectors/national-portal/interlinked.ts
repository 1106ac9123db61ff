/**
 * The pulled flow of the interlinked services (DVCLT: birth and death registrations filed through
 * VNeID), from HV's `KhaiSinhKhaiTuService.cs` (repository `HuanVu201/DichVuCong_KhoaLuan_PASETO`,
 * reference `dvcqg-sync.md` §5): a bearer token (`POST {userName, password}` → `{token}`), the list
 * of items waiting (`data[]{id, maDonVi, maTTHC, module, maHoSo, ngayTiepNhan, techId}`), each
 * item's detail (`GET /api/lienthongdvclt/hosolienthong/{id}`, read in interlinked-read.ts), the
 * acknowledgement `PUT {maHoSo, daNhan: true}`, sent by the hub only once the item's event is
 * committed, and the status report back (`POST`, interlinked-status.ts). The detail path is the
 * only one HV writes out; the others come from its settings (`GetToken`, `LayDanhSachHoSo`,
 * `CapNhatDaNhanHoSoUrl`, `SendStatusUrl`), so ours are configurable and **unverified**.
 */
import type { Static } from 'typebox'
import type { UpstreamClient } from '../../src/upstream/client.js'
import { UpstreamError } from '../../src/upstream/errors.js'
import type { OperationDef } from '../../src/upstream/types.js'
import { implement } from '../../src/upstream/contract.js'
import { InterlinkedAck, InterlinkedList, InterlinkedRead, InterlinkedStatusReport, WaitingItem } from '../../src/contracts/portal.js'
import type { ResolvedNationalPortalConfig } from './config.js'
import { portalDateTime } from './forward.js'
import { readInterlinkedItem, str } from './interlinked-read.js'
import { judgeStatusReply, statusReportBody } from './interlinked-status.js'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const bad = (what: string) => new UpstreamError('bad_response', `The interlinked service sent an unusable reply: ${what}.`)

export const INTERLINKED_DEFAULT_PATHS = {
  login: '/api/lienthongdvclt/dangnhap',
  list: '/api/lienthongdvclt/hosolienthong',
  detail: '/api/lienthongdvclt/hosolienthong/{id}',
  ack: '/api/lienthongdvclt/hosolienthong/danhan',
  status: '/api/lienthongdvclt/hosolienthong/capnhattrangthai',
} as const

/** coQuanXuLy: HV always sends 5. */
const DEFAULT_HANDLING_AGENCY = 5

type WaitingItem = Static<typeof WaitingItem>


export function interlinkedOperations(config: ResolvedNationalPortalConfig, createClient: (baseUrl: string) => UpstreamClient): Record<string, OperationDef<any, any>> {
  const c = config.interlinked
  if (c === undefined) return {}
  const paths = { ...INTERLINKED_DEFAULT_PATHS, ...c.paths }
  const client = createClient(c.baseUrl)
  let token: string | undefined

  /** One call; a 401 forgets the token (the next call logs in again). `extraStatuses` are answered rather than thrown. */
  async function call(method: 'GET' | 'POST' | 'PUT', path: string, body: unknown, signal: AbortSignal, auth = true, extraStatuses: number[] = []): Promise<{ status: number; text: string }> {
    if (auth && token === undefined) token = await login(signal)
    const res = await client.request({
      method, path, signal, idempotent: method !== 'POST' || !auth,
      headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json; charset=utf-8' }), ...(auth && { authorization: `Bearer ${token}` }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      acceptStatus: (s) => (s >= 200 && s < 300) || s === 401 || extraStatuses.includes(s),
    })
    if (res.status === 401) {
      token = undefined
      throw new UpstreamError('unauthorized', 'The interlinked service refused the token; the next call logs in again.')
    }
    return { status: res.status, text: res.body.toString('utf8') }
  }

  async function send(method: 'GET' | 'POST' | 'PUT', path: string, body: unknown, signal: AbortSignal, auth = true): Promise<Json> {
    const { text } = await call(method, path, body, signal, auth)
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw bad('not JSON')
    }
    if (!isObject(parsed)) throw bad('not a JSON object')
    return parsed
  }

  async function login(signal: AbortSignal): Promise<string> {
    const reply = await send('POST', paths.login, { userName: c!.username, password: c!.password }, signal, false)
    const t = str(reply['token'])
    if (t === undefined) throw new UpstreamError('unauthorized', 'The interlinked service did not log the hub in: check connectors.national-portal.interlinked username and password.')
    return t
  }

  const listInterlinked = implement(InterlinkedList, {
    timeoutMs: 10_000, idempotent: true,
    async run(_input, op) {
      const reply = await send('GET', paths.list, undefined, op.signal)
      const data = reply['data'] ?? []
      if (!Array.isArray(data)) throw bad('data is not a list')
      return {
        items: data.flatMap((d): WaitingItem[] => {
          if (!isObject(d)) return []
          const id = str(d['id'])
          const dossierCode = str(d['maHoSo'])
          if (id === undefined || dossierCode === undefined) return []
          const receivedAt = portalDateTime(str(d['ngayTiepNhan']))
          return [{ id, dossierCode, procedureCode: str(d['maTTHC']) ?? '', module: str(d['module']) ?? '', unitCode: str(d['maDonVi']) ?? '', ...(receivedAt && { receivedAt }), raw: d }]
        }),
      }
    },
  })

  const readInterlinked = implement(InterlinkedRead, {
    timeoutMs: 15_000, idempotent: true,
    async run(input, op) {
      const { item } = input
      const detail = await send('GET', paths.detail.replace('{id}', encodeURIComponent(item.id)), undefined, op.signal)
      try {
        const agencyCode = c!.agencies?.[item.unitCode] ?? config.agencyCode
        return { raw: detail, event: readInterlinkedItem(item, detail, input.receivedAt, agencyCode) }
      } catch (err) {
        if (err instanceof UpstreamError && err.kind === 'rejected') return { raw: detail, refusal: err.message }
        throw err
      }
    },
  })

  const ackInterlinked = implement(InterlinkedAck, {
    description: 'Tells the interlinked service the province has the item (`daNhan: true`); sent once its event is committed.',
    timeoutMs: 10_000, idempotent: true,
    async run(input, op) {
      await send('PUT', paths.ack, { maHoSo: input.dossierCode, daNhan: true }, op.signal)
      return {}
    },
  })

  const reportInterlinkedStatus = implement(InterlinkedStatusReport, {
    description: 'Reports a dossier\'s status to the interlinked platform (`trangThai` from the table in interlinked-status.ts); a status the table does not map is settled without a call. `rejected` when the platform refuses it, `bad_response` (retried) when it does not confirm it.',
    timeoutMs: 10_000, idempotent: false,
    async run(input, op) {
      const body = statusReportBody(input, c!.handlingAgency ?? DEFAULT_HANDLING_AGENCY)
      if (body === undefined) return { reported: false, state: null }
      const reply = await call('POST', paths.status, body, op.signal, true, [400])
      judgeStatusReply(reply.status, reply.text)
      return { reported: true, state: body['trangThai'] as number }
    },
  })

  return { listInterlinked, readInterlinked, ackInterlinked, reportInterlinkedStatus }
}
