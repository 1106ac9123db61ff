/**
 * An interlinked item's detail, read as HV reads it (`KhaiSinhKhaiTuService.cs`, `CreateHoSoHandler`
 * and `CreateHoSoByModule`; DTOs in `KhaiSinhKhaiTuParams.cs`): the detail's `data` carries a
 * `data` that is a JSON **text** of the same shape, whose own `data` is an XML text holding a
 * `<hoTich>` element (the civil-status form: the requester is `nycHoTen`, `nycSoGiayToTuyThan`,
 * `nycSoDienThoai`, `nycEmail`) and whose `fileDinhKem[]` are the files (`tenGiayTo`,
 * `tenTepDinhKem`, `loaiGiayTo`, `huyGiayTo`, `duLieuTepDinhKem` base64). HV forwards only papers with
 * `huyGiayTo` 0; so does the hub. Modules are `KS` (birth) and `KT` (death). Pure, no I/O.
 */
import { createHash } from 'node:crypto'
import { UpstreamError } from '../../src/upstream/errors.js'
import { createSafeParser, isNode, text, type XmlNode } from '../../src/xml/safe-xml.js'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
export const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined)

/** The procedure each module files. HV compares `module` with `KS`/`KT`; `LTKS`/`LTKT` (its own labels) are taken too. */
const MODULE_PROCEDURE: Record<string, { code: string; name: string }> = {
  KS: { code: '1.001193', name: 'Đăng ký khai sinh' },
  KT: { code: '1.000656', name: 'Đăng ký khai tử' },
  LTKS: { code: '1.001193', name: 'Đăng ký khai sinh' },
  LTKT: { code: '1.000656', name: 'Đăng ký khai tử' },
}

export interface WaitingItem {
  id: string
  dossierCode: string
  procedureCode: string
  module: string
  unitCode: string
  receivedAt?: string
  raw: Json
}

export interface ReadItem {
  eventId: string
  type: 'dossier.submitted'
  dossierCode: string
  agencyCode: string
  data: Record<string, unknown>
  files: Array<{ sha256: string; name: string; data: string }>
  link: { itemId: string; procedureCode: string; module: string; unitCode: string }
}

const parser = createSafeParser()

/** The `<hoTich>` element wherever it sits (HV: the first of that name), or undefined. */
function hoTich(xml: string): XmlNode | undefined {
  let parsed
  try {
    parsed = parser.parse(xml)
  } catch {
    return undefined
  }
  if (!parsed.wellFormed) return undefined
  const find = (node: unknown, depth: number): XmlNode | undefined => {
    if (!isNode(node) || depth > 4) return undefined
    if (isNode(node['hoTich'])) return node['hoTich']
    for (const v of Object.values(node)) {
      const found = find(v, depth + 1)
      if (found) return found
    }
    return undefined
  }
  return find(parsed.doc, 0)
}

/** The event an item maps to, with its files and what the status report needs; `rejected` with the reason when it cannot be read. */
export function readInterlinkedItem(item: WaitingItem, detail: Json, receivedAt: string, agencyCode: string): ReadItem {
  const refuse = (what: string) => new UpstreamError('rejected', `The interlinked item cannot be read: ${what}.`)
  const outer = detail['data']
  if (!isObject(outer)) throw refuse('data is missing')
  let inner: unknown = outer['data']
  if (typeof inner === 'string') {
    try {
      inner = JSON.parse(inner)
    } catch {
      throw refuse('data.data is not JSON')
    }
  }
  if (!isObject(inner)) throw refuse('data.data (the dossier) is missing')
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(item.dossierCode)) throw refuse('maHoSo is not a dossier code')
  const procedure = MODULE_PROCEDURE[item.module] ?? (item.procedureCode ? { code: item.procedureCode, name: '' } : undefined)
  if (procedure === undefined) throw refuse('neither module nor maTTHC names a procedure')
  const form = typeof inner['data'] === 'string' ? hoTich(inner['data']) : undefined
  if (form === undefined) throw refuse('data.data.data holds no <hoTich> form')
  const name = text(form, 'nycHoTen')
  const id = text(form, 'nycSoGiayToTuyThan')
  if (name === undefined || id === undefined || !/^[0-9A-Za-z][0-9A-Za-z.-]{0,19}$/.test(id)) throw refuse('the requester (nycHoTen, nycSoGiayToTuyThan) is missing or unusable')
  const phone = text(form, 'nycSoDienThoai')
  const email = text(form, 'nycEmail')

  const list = Array.isArray(inner['fileDinhKem']) ? inner['fileDinhKem'] : Array.isArray(outer['fileDinhKem']) ? outer['fileDinhKem'] : []
  const files: ReadItem['files'] = []
  const papers = list.flatMap((f, i) => {
    if (!isObject(f)) throw refuse(`fileDinhKem[${i}] is not a record`)
    if (str(f['huyGiayTo']) !== undefined && str(f['huyGiayTo']) !== '0') return [] // a paper withdrawn on the platform
    const content = typeof f['duLieuTepDinhKem'] === 'string' ? f['duLieuTepDinhKem'] : undefined
    if (content === undefined || content === '') throw refuse(`fileDinhKem[${i}] has no content (duLieuTepDinhKem)`)
    const sha256 = createHash('sha256').update(Buffer.from(content, 'base64')).digest('hex')
    const paperName = str(f['tenGiayTo']) ?? str(f['tenTepDinhKem']) ?? `Tệp ${i + 1}`
    files.push({ sha256, name: str(f['tenTepDinhKem']) ?? paperName, data: content })
    return [{ code: str(f['loaiGiayTo']) ?? `TL${i + 1}`, name: paperName.slice(0, 300), url: `urn:lgsp-hub:portal-file:${sha256}`, sha256 }]
  })
  const techId = str(item.raw['techId'])
  return {
    eventId: `dvclt_${item.module || 'x'}_${item.id}`.replace(/[^A-Za-z0-9_-]/g, '_'),
    type: 'dossier.submitted',
    dossierCode: item.dossierCode,
    agencyCode,
    data: {
      dossierCode: item.dossierCode, procedureCode: procedure.code, procedureName: procedure.name,
      applicant: {
        type: 'citizen', id, name: name.slice(0, 200),
        ...(phone !== undefined && phone.length <= 20 && { phone }),
        ...(email !== undefined && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 200 && { email }),
        ...(techId !== undefined && /^[A-Za-z0-9._:@-]{1,100}$/.test(techId) && { portalAccountId: techId }),
        vneidVerified: true,
      },
      submittedAt: item.receivedAt ?? receivedAt,
      papers,
      agencyCode,
    },
    files,
    link: { itemId: item.id, procedureCode: item.procedureCode || str(outer['maTTHC']) || procedure.code, module: item.module, unitCode: item.unitCode },
  }
}
