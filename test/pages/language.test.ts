import fc from 'fast-check'
import t from 'tap'
import { pickLanguage } from '../../src/pages/language.js'

t.test('pickLanguage honours Accept-Language and q-values', async (t) => {
  const table: Array<[string | undefined, 'en' | 'zh-CN']> = [
    [undefined, 'en'],
    ['', 'en'],
    ['en', 'en'],
    ['en-US,en;q=0.9', 'en'],
    ['zh', 'zh-CN'],
    ['zh-CN', 'zh-CN'],
    ['ZH-cn', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh-TW', 'zh-CN'],
    ['zh-Hant', 'zh-CN'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
    ['en-US,en;q=0.9,zh-CN;q=0.8', 'en'],
    ['en;q=0.5, zh;q=0.8', 'zh-CN'],
    ['zh;q=0.5, en;q=0.8', 'en'],
    ['fr-FR,fr;q=0.9,zh;q=0.5', 'zh-CN'],
    ['fr-FR,de;q=0.9', 'en'],
    ['ja, zh-CN;q=0.1', 'zh-CN'],
    // Equal weights: the first listed wins.
    ['zh, en', 'zh-CN'],
    ['en, zh', 'en'],
    ['zh;q=1, en;q=1.0', 'zh-CN'],
    // q=0 means "not acceptable".
    ['zh;q=0, en;q=0.1', 'en'],
    ['zh;q=0', 'en'],
    ['*', 'en'],
    ['*;q=0.1, zh;q=0.5', 'zh-CN'],
    ['*, zh;q=0.5', 'en'],
    // Whitespace and parameter spelling.
    [' zh-CN ; q = 0.7 , en ; q=0.6', 'zh-CN'],
    ['zh;Q=0.7,en;q=0.6', 'zh-CN'],
    // Malformed weights disqualify the range instead of promoting it.
    ['zh;q=2, en;q=0.1', 'en'],
    ['zh;q=abc, en;q=0.1', 'en'],
    ['zh;q=0.12345, en;q=0.1', 'en'],
    ['zh;q=, en;q=0.1', 'en'],
    // Not a prefix match on the primary subtag.
    ['zhx, en;q=0.1', 'en'],
    ['english', 'en'],
    [',,,;;;', 'en']
  ]
  for (const [header, expected] of table) {
    t.equal(pickLanguage(header), expected, JSON.stringify(header))
  }
})

t.test('pickLanguage ignores ranges past the cap', async (t) => {
  const padding = Array.from({ length: 40 }, (_, i) => `x${i}`).join(',')
  t.equal(pickLanguage(`${padding},zh`), 'en')
  t.equal(pickLanguage(`zh,${padding}`), 'zh-CN')
})

t.test('pickLanguage answers for any header', async (t) => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (header) => {
    const lang = pickLanguage(header)
    return lang === 'en' || lang === 'zh-CN'
  }))
  t.pass('property holds')
})
