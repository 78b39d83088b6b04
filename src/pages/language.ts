// §4: the pages speak zh-CN or English, chosen by Accept-Language (RFC 9110 §12.5.4).
export type Lang = 'en' | 'zh-CN'

export const DEFAULT_LANG: Lang = 'en'

// A header is attacker-controlled; past this many ranges the rest is ignored (browsers send
// a handful).
const MAX_RANGES = 32

// RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/

function parseQuality (params: readonly string[]): number {
  for (const param of params) {
    const [name, value] = param.split('=', 2).map((s) => s.trim())
    if (name?.toLowerCase() !== 'q') continue
    // A malformed weight makes the whole range unusable rather than silently preferred.
    return value !== undefined && QVALUE.test(value) ? Number(value) : 0
  }
  return 1
}

function matchRange (range: string): Lang | undefined {
  // zh-TW, zh-Hant and zh-HK readers get the zh-CN text: closer than English for them.
  if (range === 'zh' || range.startsWith('zh-')) return 'zh-CN'
  if (range === 'en' || range.startsWith('en-') || range === '*') return 'en'
  return undefined
}

export function pickLanguage (acceptLanguage: string | undefined): Lang {
  if (acceptLanguage === undefined) return DEFAULT_LANG
  let best = DEFAULT_LANG
  let bestQ = 0
  for (const part of acceptLanguage.split(',', MAX_RANGES)) {
    const [range = '', ...params] = part.split(';')
    const q = parseQuality(params)
    // Strictly greater: on equal weights the range listed first wins.
    if (q <= bestQ) continue
    const lang = matchRange(range.trim().toLowerCase())
    if (lang === undefined) continue
    best = lang
    bestQ = q
  }
  return best
}
