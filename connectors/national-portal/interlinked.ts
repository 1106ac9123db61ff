/**
 * The pulled flow of the interlinked services (DVCLT: birth `LTKS` and death `LTKT`
 * registrations filed through VNeID), reference `dvcqg-sync.md` §5 from HV's
 * `KhaiSinhKhaiTuService.cs`: a bearer token (`POST {userName, password}` → `{token}`), the list
 * of items waiting (`data[]{id, maDonVi, maTTHC, module, maHoSo, ngayTiepNhan, techId}`), each
 * item's detail (`GET /api/lienthongdvclt/hosolienthong/{id}` → `data{…, data, fileDinhKem[]}`),
 * and the acknowledgement `PUT {maHoSo, daNhan: true}`, sent by the hub only once the item's
 * event is committed. Paths other than the detail's are ours (**unverified**: HV reads them from
 * its settings), as are the applicant's keys in the payload (`tenNYC`, `soDinhDanhNYC`).
 */
import { createHash } from 'node:crypto'
import type { Static } from 'typebox'
import type { UpstreamClient } from '../../src/upstream/client.js'
import { UpstreamError } from '../../src/upstream/errors.js'
import type { OperationDef } from '../../src/upstream/types.js'
import { implement } from '../../src/upstream/contract.js'
import { InterlinkedAck, InterlinkedList, InterlinkedRead, WaitingItem } from '../../src/contracts/portal.js'
import type { ResolvedNationalPortalConfig } from './config.js'
import { portalDateTime } from './forward.js'
import type { ForwardedEvent } from './forward.js'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const bad = (what: string) => new UpstreamError('bad_response', `The interlinked service sent an unusable reply: ${what}.`)
const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined)

export const INTERLINKED_DEFAULT_PATHS = {
  login: '/api/lienthongdvclt/dangnhap',
  list: '/api/lienthongdvclt/hosolienthong',
  detail: '/api/lienthongdvclt/hosolienthong/{id}',
  ack: '/api/lienthongdvclt/hosolienthong/danhan',
} as const

/** The procedure each module files (birth, death registration). */
const MODULE_PROCEDURE: Record<string, { code: string; name: string }> = {
  LTKS: { code: '1.001193', name: 'Đăng ký khai sinh' },
  LTKT: { code: '1.000656', name: 'Đăng ký khai tử' },
}

type WaitingItem = Static<typeof WaitingItem>


export function interlinkedOperations(config: ResolvedNationalPortalConfig, createClient: (baseUrl: string) => UpstreamClient): Record<string, OperationDef<any, any>> {
  const c = config.interlinked
  if (c === undefined) return {}
  const paths = { ...INTERLINKED_DEFAULT_PATHS, ...c.paths }
  const client = createClient(c.baseUrl)
  let token: string | undefined

  async function send(method: 'GET' | 'POST' | 'PUT', path: string, body: unknown, signal: AbortSignal, auth = true): Promise<Json> {
    if (auth && token === undefined) token = await login(signal)
    const res = await client.request({
      method, path, signal, idempotent: method !== 'POST' || !auth,
      headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json; charset=utf-8' }), ...(auth && { authorization: `Bearer ${token}` }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      acceptStatus: (s) => (s >= 200 && s < 300) || s === 401,
    })
    if (res.status === 401) {
      token = undefined
      throw new UpstreamError('unauthorized', 'The interlinked service refused the token; the next call logs in again.')
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(res.body.toString('utf8'))
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
        return { raw: detail, event: toEvent(item, detail, input.receivedAt) }
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

  function toEvent(item: WaitingItem, detail: Json, receivedAt: string): ForwardedEvent & { agencyCode: string } {
    const refuse = (what: string) => new UpstreamError('rejected', `The interlinked item cannot be read: ${what}.`)
    const outer = detail['data']
    if (!isObject(outer)) throw refuse('data is missing')
    const payload = isObject(outer['data']) ? outer['data'] : {}
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(item.dossierCode)) throw refuse('maHoSo is not a dossier code')
    const procedure = MODULE_PROCEDURE[item.module] ?? (item.procedureCode ? { code: item.procedureCode, name: '' } : undefined)
    if (procedure === undefined) throw refuse('neither module nor maTTHC names a procedure')
    const name = str(payload['tenNYC'])
    const id = str(payload['soDinhDanhNYC'])
    if (name === undefined || id === undefined) throw refuse('the requester (tenNYC, soDinhDanhNYC) is missing')
    const files = Array.isArray(outer['fileDinhKem']) ? outer['fileDinhKem'] : []
    const papers = files.map((f, i) => {
      if (!isObject(f)) throw refuse(`fileDinhKem[${i}] is not a record`)
      const content = str(f['duLieuTepDinhKem'])
      return {
        code: str(f['maGiayTo']) ?? `TL${i + 1}`,
        name: str(f['tenGiayTo']) ?? str(f['tenTepDinhKem']) ?? `Tệp ${i + 1}`,
        url: `urn:lgsp-hub:portal-inbound:file:${i}`,
        ...(content !== undefined && { sha256: createHash('sha256').update(Buffer.from(content, 'base64')).digest('hex') }),
      }
    })
    const agencyCode = c!.agencies?.[item.unitCode] ?? config.agencyCode
    return {
      eventId: `dvclt_${item.module || 'x'}_${item.id}`.replace(/[^A-Za-z0-9_-]/g, '_'),
      type: 'dossier.submitted',
      dossierCode: item.dossierCode,
      agencyCode,
      data: {
        dossierCode: item.dossierCode, procedureCode: procedure.code, procedureName: procedure.name,
        applicant: { type: 'citizen', id, name, ...(str(item.raw['techId']) !== undefined && { portalAccountId: str(item.raw['techId']) }), vneidVerified: true },
        submittedAt: item.receivedAt ?? receivedAt,
        papers,
        agencyCode,
      },
    }
  }

  return { listInterlinked, readInterlinked, ackInterlinked }
}
