import t from 'tap'
import { ERROR_KINDS, STRINGS, type Strings } from '../../src/pages/strings.js'

function flatten (s: Strings): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(s)) {
    if (typeof value === 'string') {
      out.set(key, value)
    } else {
      for (const [kind, text] of Object.entries(value as Record<string, Record<string, string>>)) {
        for (const [field, line] of Object.entries(text)) out.set(`errors.${kind}.${field}`, line)
      }
    }
  }
  return out
}

const placeholders = (line: string): string => [...line.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]).sort().join()

t.test('both languages define the same strings with the same placeholders', async (t) => {
  const en = flatten(STRINGS.en)
  const zh = flatten(STRINGS['zh-CN'])
  t.same([...en.keys()].sort(), [...zh.keys()].sort(), 'same keys')
  for (const kind of ERROR_KINDS) t.ok(en.has(`errors.${kind}.title`) && en.has(`errors.${kind}.message`), kind)
  for (const [key, line] of en) {
    const other = zh.get(key) ?? ''
    t.ok(line.trim().length > 0 && other.trim().length > 0, `${key} is not empty`)
    t.equal(placeholders(other), placeholders(line), `${key} placeholders match`)
  }
  t.not(en.get('signInButton'), zh.get('signInButton'), 'zh-CN is translated')
})
