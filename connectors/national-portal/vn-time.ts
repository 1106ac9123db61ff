/**
 * Time on the national portal: `yyyyMMddHHmmss` in Vietnam time (UTC+7, no daylight saving),
 * whatever offset the one-stop software used. RFC 3339 is parsed here by hand so an offset is
 * never read in the hub's own time zone, and a date that does not exist is refused.
 */
const VN_OFFSET_MS = 7 * 60 * 60 * 1000
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/
const PORTAL = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/

/** Milliseconds since the epoch for the given wall-clock fields, or undefined when they name no real time. */
function wallClock(y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined {
  if (h > 23 || mi > 59 || s > 59) return undefined
  const ms = Date.UTC(y, mo - 1, d, h, mi, s)
  const check = new Date(ms)
  // Date.UTC rolls 31 April over into 1 May; a real date survives the round trip.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined
  return ms
}

/** RFC 3339 date-time (any offset) → epoch ms; undefined when it is not one. Fractions of a second are dropped. */
export function parseDateTime(value: string): number | undefined {
  const m = RFC3339.exec(value)
  if (!m) return undefined
  const local = wallClock(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
  if (local === undefined) return undefined
  if (m[7] !== undefined) return local
  const oh = +m[9]!
  const om = +m[10]!
  if (oh > 23 || om > 59) return undefined
  const offset = (oh * 60 + om) * 60_000 * (m[8] === '-' ? -1 : 1)
  return local - offset
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** Epoch ms → `yyyyMMddHHmmss` in Vietnam time. */
export function formatPortalTime(ms: number): string {
  const d = new Date(ms + VN_OFFSET_MS)
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
}

/** RFC 3339 → `yyyyMMddHHmmss` (Vietnam time); undefined when the input is not a date-time. */
export function toPortalTime(value: string): string | undefined {
  const ms = parseDateTime(value)
  return ms === undefined ? undefined : formatPortalTime(ms)
}

/** `yyyyMMddHHmmss` (Vietnam time) → RFC 3339 with the `+07:00` offset; undefined when it is not a real time. */
export function fromPortalTime(value: string): string | undefined {
  const m = PORTAL.exec(value)
  if (!m) return undefined
  if (wallClock(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!) === undefined) return undefined
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+07:00`
}

/** Epoch ms → `dd/MM/yyyy HH:mm:ss` in Vietnam time (the interlinked platform's time format). */
export function formatDvcltTime(ms: number): string {
  const p = formatPortalTime(ms)
  return `${p.slice(6, 8)}/${p.slice(4, 6)}/${p.slice(0, 4)} ${p.slice(8, 10)}:${p.slice(10, 12)}:${p.slice(12, 14)}`
}
