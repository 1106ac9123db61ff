/**
 * What a received file really is, from its first bytes: senders label ZIP archives `application/pdf`
 * or name them `.doc` (VNPT's library zips what it does not know; one gateway zips everything and
 * keeps the label), so the API says what the bytes are beside what the sender declared.
 */
const SIGNATURES: ReadonlyArray<readonly [string, number[]]> = [
  ['application/zip', [0x50, 0x4b, 0x03, 0x04]],
  ['application/zip', [0x50, 0x4b, 0x05, 0x06]], // an empty archive
  ['application/pdf', [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['application/x-ole-storage', [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]], // .doc, .xls of Office 97–2003
  ['image/png', [0x89, 0x50, 0x4e, 0x47]],
  ['image/jpeg', [0xff, 0xd8, 0xff]],
]

/** The media type the bytes show, or undefined when they match none of the common ones. */
export function detectedType(data: Uint8Array): string | undefined {
  for (const [type, magic] of SIGNATURES) {
    if (data.length >= magic.length && magic.every((b, i) => data[i] === b)) return type
  }
  return undefined
}

/** `{ detectedType }` when the bytes show a type, else nothing: spread into an attachment's description. */
export function typeField(data: Uint8Array): { detectedType?: string } {
  const type = detectedType(data)
  return type === undefined ? {} : { detectedType: type }
}
