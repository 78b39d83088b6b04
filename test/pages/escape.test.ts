import fc from 'fast-check'
import t from 'tap'
import { escapeHtml, fillTemplate, toSafeHref, truncateText } from '../../src/pages/escape.js'

t.test('escapeHtml neutralises markup and attribute breakouts', async (t) => {
  const table: Array<[string, string]> = [
    ['"><script>alert(1)</script>', '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'],
    ["' onmouseover='alert(1)", '&#39; onmouseover=&#39;alert(1)'],
    ['` onfocus=x', '&#96; onfocus=x'],
    ['&amp;', '&amp;amp;'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['</title><script>', '&lt;/title&gt;&lt;script&gt;'],
    ['plain text 中文', 'plain text 中文'],
    ['', '']
  ]
  for (const [input, expected] of table) {
    t.equal(escapeHtml(input), expected, JSON.stringify(input))
  }
})

t.test('escapeHtml output never holds a raw special character', async (t) => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (raw) => {
    const out = escapeHtml(raw)
    return !/[<>"'`]/.test(out) && !/&(?!(?:amp|lt|gt|quot|#39|#96);)/.test(out)
  }))
  t.pass('property holds')
})

// encodeURIComponent throws on a lone surrogate, i.e. a cut through a pair.
function isWellFormed (s: string): boolean {
  try {
    encodeURIComponent(s)
    return true
  } catch {
    return false
  }
}

t.test('truncateText cuts by code points and removes controls', async (t) => {
  t.equal(truncateText('short', 10), 'short')
  t.equal(truncateText('abcdefghij', 5), 'abcde…')
  t.equal(truncateText('a\u0000b\nc\u2028d', 10), 'a b c d')
  t.equal(truncateText('  \t\n ', 10), '')
  // U+1F600 is a surrogate pair: a UTF-16 slice would leave half of it.
  const emoji = '\u{1F600}'.repeat(5)
  t.equal(truncateText(emoji, 3), '\u{1F600}'.repeat(3) + '…')
  fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: 50 }), (raw, max) => {
    const out = truncateText(raw, max)
    return Array.from(out).length <= max + 1 && isWellFormed(out)
  }))
})

t.test('toSafeHref keeps same-origin paths and drops anything else', async (t) => {
  const kept = [
    '/',
    '/oauth2/sign_in?rd=%2Fdashboard%3Fa%3D1',
    '/oauth2/start?rd=https%3A%2F%2Fapp.example.com%2F',
    '/oauth2/topup'
  ]
  for (const href of kept) t.equal(toSafeHref(href), href, href)
  const dropped = [
    '//evil.example',
    '/\\evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    'oauth2/start',
    '',
    '/a b',
    '/a\tb',
    '/a\nb',
    '/a\\b',
    '/a\u0000b',
    ' /oauth2/start'
  ]
  for (const href of dropped) t.equal(toSafeHref(href), '/', JSON.stringify(href))
})

t.test('fillTemplate escapes the template and each value', async (t) => {
  t.equal(fillTemplate('code: {code}', { code: '<b>' }), 'code: &lt;b&gt;')
  t.equal(fillTemplate('<{a}>', { a: '"' }), '&lt;&quot;&gt;')
  t.equal(fillTemplate('{missing} {a}', { a: 'x' }), '{missing} x')
  // A value that looks like a placeholder is not expanded again.
  t.equal(fillTemplate('{a}{b}', { a: '{b}', b: '1' }), '{b}1')
  // Object.prototype keys are not values.
  t.equal(fillTemplate('{constructor}', {}), '{constructor}')
})
