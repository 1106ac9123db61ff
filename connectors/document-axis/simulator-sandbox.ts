/**
 * The systems registered on the simulated document axis and who owns which agency code. A system
 * owns every organ id (`NNN.NN.NN.XNN`) whose last group equals that of its own organ id, so the
 * sandbox province `000.00.00.H34` owns `000.01.32.H34` too. Secrets are obviously fake; the
 * directory is validated at start so a bad `systems` option fails there, not on a request.
 */

/** An entry of `/getAgenciesList`. */
export interface AxisAgency {
  code: string
  name: string
  parentCode?: string
}

/** A system (an agency's document software) registered on the axis; each has one mailbox. */
export interface AxisSystem {
  /** The `systemid` header value. */
  systemId: string
  /** HMAC secret of its signed headers. */
  secret: string
  /** Its own agency code; it owns every organ id with the same last group. */
  organId: string
  name: string
  /** Sub-units listed by `/getAgenciesList` besides the system's own organ. Default none. */
  units?: AxisAgency[]
  /** A simulated remote agency: answers every document it receives with status packets. Default false. */
  responds?: boolean
}

/** The sandbox systems' identities, for configs and tests (secrets are fake). */
export const SANDBOX_AXIS = Object.freeze({
  /** The hub's own system: the province. */
  province: Object.freeze({ systemId: 'sandbox-h34', secret: 'sandbox-axis-secret-not-real', organId: '000.00.00.H34', name: 'Ủy ban nhân dân tỉnh Kon Tum (sandbox)' }),
  governmentOffice: Object.freeze({ systemId: 'sandbox-g22', secret: 'sandbox-g22-secret-not-real', organId: '000.00.00.G22', name: 'Văn phòng Chính phủ (sandbox)' }),
  otherProvince: Object.freeze({ systemId: 'sandbox-h20', secret: 'sandbox-h20-secret-not-real', organId: '000.00.00.H20', name: 'Ủy ban nhân dân tỉnh (sandbox H20)' }),
  ministry: Object.freeze({ systemId: 'sandbox-g09', secret: 'sandbox-g09-secret-not-real', organId: '000.00.00.G09', name: 'Bộ, ngành trung ương (sandbox G09)' }),
})

/** A province unit, for tests that address one below the People's Committee. */
export const SANDBOX_PROVINCE_UNIT = '000.01.32.H34'

/** The default registered systems: the province (silent; the hub speaks for it) and three responding remote agencies. */
export function sandboxSystems(): AxisSystem[] {
  const { province, governmentOffice, otherProvince, ministry } = SANDBOX_AXIS
  return [
    {
      ...province,
      units: [
        { code: '000.00.32.H34', name: 'Sở Thông tin và Truyền thông (sandbox)', parentCode: province.organId },
        { code: SANDBOX_PROVINCE_UNIT, name: 'Trung tâm Phục vụ hành chính công (sandbox)', parentCode: '000.00.32.H34' },
      ],
    },
    { ...governmentOffice, units: [{ code: '000.00.01.G22', name: 'Cục Kiểm soát thủ tục hành chính (sandbox)', parentCode: governmentOffice.organId }], responds: true },
    { ...otherProvince, responds: true },
    { ...ministry, responds: true },
  ]
}

const ORGAN_ID = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/
export const isOrganId = (value: string): boolean => ORGAN_ID.test(value)
/** The level-1 group (`H34` of `000.01.32.H34`). */
const levelOne = (organId: string) => organId.slice(-3)

export interface Directory {
  readonly systems: readonly AxisSystem[]
  system(systemId: string): AxisSystem | undefined
  secretOf(systemId: string): string | undefined
  /** The system owning an organ id; undefined for an ill-formed or unregistered one. */
  ownerOf(organId: string): AxisSystem | undefined
  /** Every registered organ, each system's own first. */
  agencies(): AxisAgency[]
}

/** Builds the directory; throws an Error saying what to fix when the systems are not usable. */
export function createDirectory(systems: AxisSystem[]): Directory {
  if (systems.length === 0) throw new Error('document axis simulator: register at least one system')
  const bySystemId = new Map<string, AxisSystem>()
  const byLevelOne = new Map<string, AxisSystem>()
  const agencies: AxisAgency[] = []
  for (const s of systems) {
    if (!s.systemId || !s.secret) throw new Error('document axis simulator: every system needs a systemId and a secret')
    if (bySystemId.has(s.systemId)) throw new Error(`document axis simulator: systemId ${s.systemId} is registered twice`)
    if (!isOrganId(s.organId)) throw new Error(`document axis simulator: ${s.systemId}'s organId ${s.organId} is not NNN.NN.NN.XNN`)
    const owner = byLevelOne.get(levelOne(s.organId))
    if (owner) throw new Error(`document axis simulator: ${s.systemId} and ${owner.systemId} both claim organs *.${levelOne(s.organId)}`)
    for (const unit of s.units ?? []) {
      if (!isOrganId(unit.code) || levelOne(unit.code) !== levelOne(s.organId)) {
        throw new Error(`document axis simulator: unit ${unit.code} of ${s.systemId} must be NNN.NN.NN.${levelOne(s.organId)}`)
      }
    }
    const copy = structuredClone(s)
    bySystemId.set(s.systemId, copy)
    byLevelOne.set(levelOne(s.organId), copy)
    agencies.push({ code: s.organId, name: s.name }, ...(s.units ?? []))
  }
  return {
    systems: [...bySystemId.values()],
    system: (systemId) => bySystemId.get(systemId),
    secretOf: (systemId) => bySystemId.get(systemId)?.secret,
    ownerOf: (organId) => (isOrganId(organId) ? byLevelOne.get(levelOne(organId)) : undefined),
    agencies: () => agencies.map((a) => ({ ...a })),
  }
}
