import t from 'tap'
import fc from 'fast-check'
import { encodeHeaderValue } from '../../src/rules/header-value.js'

t.test('table', async (t) => {
  const cases: Array<[string, string]> = [
    ['alice', 'alice'],
    ['', ''],
    [' ', ' '],
    ['Alice Smith <a@b.c>', 'Alice Smith <a@b.c>'],
    ['~!#$&*()_+{}|:"<>?`-=[]\\;\',./', '~!#$&*()_+{}|:"<>?`-=[]\\;\',./'],
    ['100%', '100%25'],
    ['%41', '%2541'],
    ['\u5f20\u4e09', '%E5%BC%A0%E4%B8%89'],
    ['\u00a51,234.50', '%C2%A51%2C234.50'],
    ['caf\u00e9 bar', 'caf%C3%A9%20bar'],
    ['a\r\nX-Evil: 1', 'a%0D%0AX-Evil%3A%201'],
    ['tab\there', 'tab%09here'],
    ['\x7f', '%7F'],
    ['\0', '%00'],
    ['\u{1F600}', '%F0%9F%98%80'],
    ['\ud800', '%EF%BF%BD'],
    ['x\udc00y', 'x%EF%BF%BDy'],
    ['\udc00\ud800', '%EF%BF%BD%EF%BF%BD'],
    ['\ud83d\ude00\ud83d', '%F0%9F%98%80%EF%BF%BD']
  ]
  for (const [input, output] of cases) t.equal(encodeHeaderValue(input), output, JSON.stringify(input))
})

const anyUnit = fc.integer({ min: 0, max: 0xFFFF }).map((c) => String.fromCharCode(c))

t.test('property: printable ASCII that decodeURIComponent round-trips', async () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (v) => {
    const out = encodeHeaderValue(v)
    return /^[\x20-\x7E]*$/.test(out) && decodeURIComponent(out) === v &&
      (out === v) === (/^[\x20-\x7E]*$/.test(v) && !v.includes('%'))
  }), { numRuns: 10000 })
})

t.test('property: any UTF-16 string, lone surrogates included, never throws', async () => {
  fc.assert(fc.property(fc.string({ unit: anyUnit, maxLength: 30 }), (v) => {
    const out = encodeHeaderValue(v)
    return /^[\x20-\x7E]*$/.test(out) && decodeURIComponent(out).length === v.length
  }), { numRuns: 10000 })
})
