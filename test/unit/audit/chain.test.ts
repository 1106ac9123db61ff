import { createHash, createHmac } from 'node:crypto'
import t from 'tap'
import { GENESIS_HASH, canonicalRecord, chainRecords, recordHash, type AuditRecordFields } from '../../../src/audit/chain.js'

const CHAIN_KEY = 'test-chain-key-not-a-secret'

const fields: AuditRecordFields = {
  seq: 1,
  at: new Date('2025-03-04T05:06:07.089Z'),
  requestId: 'req-1',
  client: 'one-stop',
  officerId: 'CB001',
  purpose: 'H01.01-250304-0001',
  connector: 'population',
  operation: 'lookup',
  subjectHash: 'a'.repeat(64),
  subjectMasked: '062*******34',
  outcome: 'ok',
  latencyMs: 12,
  prevHash: GENESIS_HASH,
  chainFormat: 1,
}

t.test('genesis prev hash is 64 zeros', async (t) => {
  t.equal(GENESIS_HASH, '0000000000000000000000000000000000000000000000000000000000000000')
})

t.test('canonical form: fixed order, ISO timestamp with ms, explicit nulls', async (t) => {
  t.equal(
    canonicalRecord(fields),
    `["lgsp-audit/1",1,"2025-03-04T05:06:07.089Z","req-1","one-stop","CB001","H01.01-250304-0001","population","lookup","${'a'.repeat(64)}","062*******34","ok",12,"${GENESIS_HASH}"]`,
  )
  t.equal(
    canonicalRecord({ ...fields, subjectHash: null, subjectMasked: null }),
    `["lgsp-audit/1",1,"2025-03-04T05:06:07.089Z","req-1","one-stop","CB001","H01.01-250304-0001","population","lookup",null,null,"ok",12,"${GENESIS_HASH}"]`,
  )
})

t.test('the hash is sha256 hex of the canonical form', async (t) => {
  t.equal(recordHash(fields), createHash('sha256').update(canonicalRecord(fields)).digest('hex'))
})

t.test('every stored field changes the hash', async (t) => {
  const base = recordHash(fields)
  const changes: Partial<AuditRecordFields>[] = [
    { seq: 2 }, { at: new Date('2025-03-04T05:06:07.090Z') }, { requestId: 'req-2' }, { client: 'kiosk' },
    { officerId: 'CB002' }, { purpose: 'other' }, { connector: 'business-registry' }, { operation: 'verify' },
    { subjectHash: 'b'.repeat(64) }, { subjectMasked: '062*******35' }, { subjectHash: null }, { outcome: 'not_found' },
    { latencyMs: 13 }, { prevHash: 'f'.repeat(64) },
  ]
  for (const change of changes) t.not(recordHash({ ...fields, ...change }), base, JSON.stringify(change))
})

t.test('field boundaries cannot be shifted to forge the same hash', async (t) => {
  t.not(
    recordHash({ ...fields, client: 'a","b', officerId: 'c' }),
    recordHash({ ...fields, client: 'a', officerId: 'b","c' }),
  )
})

t.test('chainRecords links a batch onto the head in order', async (t) => {
  const entries = [1, 2, 3].map((n) => {
    const { seq: _seq, prevHash: _prev, chainFormat: _format, ...rest } = fields
    return { ...rest, requestId: `req-${n}` }
  })
  const fromGenesis = chainRecords({ seq: 0, hash: GENESIS_HASH }, entries, CHAIN_KEY)
  t.strictSame(fromGenesis.map((r) => r.seq), [1, 2, 3])
  t.equal(fromGenesis[0]!.prevHash, GENESIS_HASH)
  t.equal(fromGenesis[1]!.prevHash, fromGenesis[0]!.hash)
  t.equal(fromGenesis[2]!.prevHash, fromGenesis[1]!.hash)
  for (const record of fromGenesis) {
    const { hash, ...rest } = record
    t.equal(hash, recordHash(rest, CHAIN_KEY))
    t.equal(record.chainFormat, 2, 'new records are keyed')
  }

  // Linking the same entries in two batches gives the same chain as one batch.
  const first = chainRecords({ seq: 0, hash: GENESIS_HASH }, entries.slice(0, 1), CHAIN_KEY)
  const rest = chainRecords({ seq: first[0]!.seq, hash: first[0]!.hash }, entries.slice(1), CHAIN_KEY)
  t.strictSame([...first, ...rest], fromGenesis)
})

t.test('format 2 is an HMAC under the chain key: without the key the link cannot be recomputed', async (t) => {
  const keyed = { ...fields, chainFormat: 2 as const }
  t.equal(canonicalRecord(keyed).slice(0, 16), '["lgsp-audit/2",')
  t.equal(recordHash(keyed, CHAIN_KEY), createHmac('sha256', CHAIN_KEY).update(canonicalRecord(keyed)).digest('hex'))
  t.not(recordHash(keyed, CHAIN_KEY), recordHash(keyed, 'another-key-entirely'))
  t.not(recordHash(keyed, CHAIN_KEY), createHash('sha256').update(canonicalRecord(keyed)).digest('hex'), 'not the plain SHA-256 of format 1')
  t.throws(() => recordHash(keyed), /needs the chain key/)
})
