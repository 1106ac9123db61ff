/**
 * The canonical JSON behind every stored body hash (src/sync/canonical-json.ts): its output must
 * never change, or a repeated PUT of a stored version would read as a different body (409).
 */
import t from 'tap'
import { bodyHash, canonicalJson } from '../../../src/sync/canonical-json.js'

t.test('keys sorted by UTF-16 code unit at every level; undefined members left out, undefined elements null', async (t) => {
  const value = { b: [3, undefined, { z: 1, a: null }], a: 'é', B: true, '10': 1, '9': 2, '': 0, 'q"': 'x', skip: undefined, '\ud83d\ude00': 1, 'ｚ': 1 }
  t.equal(canonicalJson(value), '{"":0,"10":1,"9":2,"B":true,"a":"é","b":[3,null,{"a":null,"z":1}],"q\\"":"x","\ud83d\ude00":1,"ｚ":1}')
})

t.test('scalars, empty containers and nesting', async (t) => {
  t.strictSame([null, 1, 'x', true, [], {}, [[{}]]].map(canonicalJson), ['null', '1', '"x"', 'true', '[]', '{}', '[[{}]]'])
})

t.test('the hash does not depend on key order', async (t) => {
  t.equal(bodyHash({ a: 1, b: { c: 2, d: 3 } }), bodyHash({ b: { d: 3, c: 2 }, a: 1 }))
  t.equal(bodyHash({ a: 1 }), '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862')
})
