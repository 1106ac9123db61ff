/**
 * The VXP transport as VNPT's SDK 2.0.1 puts it on the wire (reference edxml-vxp.md §B). The
 * expected headers of one fixed sendEdoc were computed outside this code, from the reference's
 * steps: the header map iterated by a real java.util.HashMap (JDK 17), the sign-header as compact
 * JSON in that order, HMAC-SHA256 of it with the secret (javax.crypto.Mac, hex), and the file's
 * SHA-256 with each byte as Integer.toHexString (no zero padding).
 */
import t from 'tap'
import { checkSignature, hashFile, javaHashMapOrder, signHeaders, vxpTimestamp } from '../../../connectors/document-axis/wire.js'

t.test('the headers of one sendEdoc, byte for byte', async (t) => {
  const headers = signHeaders({
    systemId: 'sandbox-h34', secret: 'sandbox-axis-secret-not-real', contentType: 'application/octet-stream', timestamp: '03122026T081858+0106',
    params: [['from', '000.00.00.H34'], ['servicetype', 'eDoc'], ['messagetype', 'edoc'], ['hash-file', 'abc']],
  })
  t.strictSame(headers, {
    'XroadVnpt-systemid': 'sandbox-h34',
    'XroadVnpt-servicetype': 'eDoc',
    'XroadVnpt-messagetype': 'edoc',
    'XroadVnpt-hash-file': 'abc',
    'XroadVnpt-from': '000.00.00.H34',
    'XroadVnpt-timestamp': '03122026T081858+0106',
    'XroadVnpt-Content-Type': 'application/octet-stream',
    'Content-Type': 'application/octet-stream',
    'User-Agent': 'JAVASDKAgent/1.0.0 XRoad/VPCP',
    'XroadVnpt-version': '3.0.201608',
    'XroadVnpt-sign-header': '{"XroadVnpt-systemid":"sandbox-h34","XroadVnpt-servicetype":"eDoc","XroadVnpt-messagetype":"edoc","XroadVnpt-hash-file":"abc","XroadVnpt-from":"000.00.00.H34","XroadVnpt-timestamp":"03122026T081858+0106","XroadVnpt-Content-Type":"application/octet-stream"}',
    'XroadVnpt-sign-header-key': 'systemid;servicetype;messagetype;hash-file;from;timestamp;Content-Type',
    'XroadVnpt-hash-header': 'b293655d60aeb37fb22f0c5fb906aa62c77c4616dcc8c11fec14d72628e51d38',
  })
  t.equal(Object.keys(headers).indexOf('XroadVnpt-systemid'), 0, 'parameters go out in the sign-header\'s order')
})

t.test('the quirks: hash-file without zero padding, the timestamp\'s +SSSS is milliseconds, HashMap order grows with the table', async (t) => {
  t.equal(hashFile(Buffer.from('%PDF-1.7')), '86edbaa24831badfa0a8b04bb410141e2ee4182b6d014493fe262a7a331c2b', '62 characters: bytes below 0x10 lose their zero')
  t.equal(vxpTimestamp(Date.UTC(2026, 11, 3, 1, 18, 58, 106)), '03122026T081858+0106', 'Vietnam time (UTC+7), milliseconds in 4 digits')
  t.equal(vxpTimestamp(Date.UTC(2026, 0, 1, 17, 0, 0, 7)), '02012026T000000+0007', 'past midnight in Vietnam')
  // 13 keys make a HashMap resize to 32 buckets; the order changes with it (same result as JDK 17).
  const keys = ['timestamp', 'systemid', 'Content-Type', 'servicetype', 'messagetype', 'docId', 'filePath', 'to', 'status', 'from', 'fromDate', 'toDate', 'pageSize']
  t.strictSame(javaHashMapOrder(keys), JAVA_ORDER_13)
})

t.test('the axis side checks the HMAC and that every signed header arrived as signed', async (t) => {
  const secretOf = (id: string) => (id === 'sandbox-h34' ? 'sandbox-axis-secret-not-real' : undefined)
  const signed = signHeaders({ systemId: 'sandbox-h34', secret: 'sandbox-axis-secret-not-real', contentType: 'application/json', params: [['docId', 'd-1'], ['status', 'done']] })
  const incoming = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]))
  const ok = checkSignature(incoming(signed), secretOf)
  t.ok('params' in ok && ok.params.get('docId') === 'd-1' && ok.params.get('status') === 'done')
  t.strictSame(checkSignature(incoming({ ...signed, 'XroadVnpt-docId': 'd-2' }), secretOf), { refused: 'header XroadVnpt-docId is missing or differs from the signed value' })
  t.strictSame(checkSignature(incoming({ ...signed, 'XroadVnpt-hash-header': '0'.repeat(64) }), secretOf), { refused: 'XroadVnpt-hash-header does not match' })
  const stranger = signHeaders({ systemId: 'nobody', secret: 'x', contentType: 'application/json', params: [] })
  t.strictSame(checkSignature(incoming(stranger), secretOf), { refused: 'system nobody is not registered' })
  t.strictSame(checkSignature({}, secretOf), { refused: 'XroadVnpt-sign-header and XroadVnpt-hash-header are required' })
})

/** What JDK 17's HashMap iterates for those keys. */
const JAVA_ORDER_13 = ['systemid', 'messagetype', 'docId', 'filePath', 'toDate', 'pageSize', 'fromDate', 'servicetype', 'from', 'to', 'timestamp', 'Content-Type', 'status']
