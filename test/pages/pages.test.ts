import { createHash } from 'node:crypto'
import fc from 'fast-check'
import t from 'tap'
import {
  createPages,
  ERROR_KINDS,
  ERROR_STATUS,
  formActionSources,
  MAX_DESCRIPTION_CHARS,
  PAGE_HEADERS,
  type ErrorPageInput,
  type ErrorKind,
  type Lang,
  type RenderedPage
} from '../../src/pages/index.js'

const LANGS: readonly Lang[] = ['en', 'zh-CN']
const HOSTILE = [
  '"><script>alert(1)</script>',
  "' onmouseover='alert(1)",
  '</title><script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '//evil.example/"><script>'
]

const pages = createPages({
  formActionOrigins: ['https://aihubmix.com', 'http://127.0.0.1:4181', 'https://auth.example.com'],
  allowedRedirectDomains: ['.Apps.Example.com', 'partner.org:8443']
})
const directives = pages.helmet.contentSecurityPolicy === false || pages.helmet.contentSecurityPolicy === true
  ? {}
  : pages.helmet.contentSecurityPolicy?.directives ?? {}

// Built once by createPages and shared by every page it renders.
const pageHeaders = pages.signIn({ lang: 'en', startUrl: '/oauth2/start' }).headers

function count (html: string, ch: string): number {
  return html.split(ch).length - 1
}

// A page is whole, self-contained and scriptless whatever it was fed; returns what is wrong.
function problemsOf (page: RenderedPage, lang: Lang): string[] {
  const html = page.html
  const checks: Array<[boolean, string]> = [
    [html.startsWith('<!doctype html>\n'), 'doctype'],
    [html.includes(`<html lang="${lang}">`), 'lang attribute'],
    [count(html, '<title>') === 1, 'one title'],
    [count(html, '<main>') === 1, 'one main'],
    [count(html, '<h1>') === 1, 'one h1'],
    [html.includes('<meta name="viewport"'), 'mobile viewport'],
    [!/<script/i.test(html), 'no script element'],
    [!/\bstyle=/i.test(html), 'no style attribute'],
    [!/<link|\bsrc=/i.test(html), 'no external asset'],
    [page.headers === pageHeaders, 'page headers attached']
  ]
  return checks.filter(([ok]) => !ok).map(([, what]) => what)
}

t.test('the CSP allows exactly the inline stylesheet and the configured form targets', async (t) => {
  const styleSrc = (directives.styleSrc as string[] | undefined)?.[0]
  t.match(styleSrc, /^'sha256-[A-Za-z0-9+/=]+'$/, 'style-src has a hash')
  const rendered = [
    pages.signIn({ lang: 'en', startUrl: '/oauth2/start' }),
    pages.signOutConfirm({ lang: 'zh-CN', actionUrl: '/oauth2/sign_out' }),
    ...ERROR_KINDS.map((kind) => pages.errorPage(inputFor(kind, 'en')))
  ]
  for (const page of rendered) {
    const styles = [...page.html.matchAll(/<style>([\s\S]*?)<\/style>/g)]
    t.equal(styles.length, 1, 'one style element')
    const css = styles[0]?.[1] ?? ''
    const hash = `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`
    t.equal(hash, styleSrc, 'hash of the <style> text matches the CSP')
  }
  t.same(pages.helmet.contentSecurityPolicy, {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      styleSrc: [styleSrc],
      formAction: ["'self'", 'https://aihubmix.com', 'http://127.0.0.1:4181', 'https://auth.example.com',
        'https://apps.example.com', 'https://*.apps.example.com', 'http://apps.example.com', 'http://*.apps.example.com',
        'https://partner.org:8443', 'http://partner.org:8443'],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"]
    }
  })
  const bare = createPages().helmet.contentSecurityPolicy
  t.same(typeof bare === 'object' ? bare.directives?.formAction : undefined, ["'self'"], 'no extra sources by default')
})

t.test('form-action sources: an allowed domain becomes host-sources under both schemes', async (t) => {
  const cases: Array<[string, string[]]> = [
    ['example.com', ['https://example.com', 'http://example.com']],
    // CSP's `*.` matches subdomains only, so the dotted entry lists the host too
    ['.example.com', ['https://example.com', 'https://*.example.com', 'http://example.com', 'http://*.example.com']],
    ['example.com:8443', ['https://example.com:8443', 'http://example.com:8443']],
    ['.例子.测试', ['https://xn--fsqu00a.xn--0zwm56d', 'https://*.xn--fsqu00a.xn--0zwm56d', 'http://xn--fsqu00a.xn--0zwm56d', 'http://*.xn--fsqu00a.xn--0zwm56d']],
    ['.10.0.0.1', ['https://10.0.0.1', 'http://10.0.0.1']],
    ['[::1]:4180', ['https://[::1]:4180', 'http://[::1]:4180']]
  ]
  for (const [entry, expected] of cases) {
    t.same(formActionSources({ origins: [], allowedRedirectDomains: [entry] }), expected, entry)
  }
  t.same(formActionSources({ origins: ['https://a.example', 'https://A.example'], allowedRedirectDomains: ['a.example'] }),
    ['https://a.example', 'http://a.example'], 'duplicates listed once')
  for (const bad of ['*.example.com', 'https://example.com', 'example.com/x', "a.com 'unsafe-inline'", '']) {
    t.throws(() => formActionSources({ origins: [], allowedRedirectDomains: [bad] }), { code: 'AAP_ERR_PAGES_INVALID_OPTION' }, bad)
  }
})

t.test('page headers and helmet options', async (t) => {
  t.same(PAGE_HEADERS, { 'cache-control': 'no-store', 'content-type': 'text/html; charset=utf-8' })
  t.ok(Object.isFrozen(PAGE_HEADERS))
  t.same(pages.helmet.referrerPolicy, { policy: 'same-origin' }, 'forms on the pages send our own Origin')
  t.same(pages.helmet.xFrameOptions, { action: 'deny' })
  t.equal(pages.helmet.strictTransportSecurity, false, 'HSTS is the TLS terminator\'s business')
  const { headers } = pages.signIn({ lang: 'en', startUrl: '/oauth2/start' })
  t.ok(Object.isFrozen(headers), 'computed once at startup, shared by every page')
  t.equal(pages.errorPage({ kind: 'not_found', lang: 'en', requestId: 'r' }).headers, headers, 'every page carries the same set')
  t.match(headers['content-security-policy'], /^default-src 'none';style-src 'sha256-[^']+';form-action 'self' https:\/\/aihubmix\.com /)
  t.equal(headers['referrer-policy'], 'same-origin')
  t.equal(headers['x-frame-options'], 'DENY')
  t.equal(headers['x-content-type-options'], 'nosniff')
  t.equal(headers['cache-control'], 'no-store')
  t.notOk('strict-transport-security' in headers)
})

t.test('createPages refuses form-action sources that are not origins', async (t) => {
  const bad = ['aihubmix.com', 'https:', "https://a.com 'unsafe-inline'", 'https://a.com;script-src *',
    'https://a.com/path', 'javascript:', '*', "'self'", 'https://a.com:99999x', 'ftp://a.com', 'null']
  for (const origin of bad) {
    t.throws(() => createPages({ formActionOrigins: [origin] }), { code: 'AAP_ERR_PAGES_INVALID_OPTION' }, origin)
  }
  t.doesNotThrow(() => createPages({ formActionOrigins: ['http://[::1]:4181', 'https://a-b.c.example'] }))
})

t.test('sign-in page: one-click link in both languages', async (t) => {
  const button = { en: 'Sign in with AIHubMix', 'zh-CN': '使用 AIHubMix 一键登录' }
  for (const lang of LANGS) {
    const page = pages.signIn({ lang, startUrl: '/oauth2/start?rd=%2Fdash%3Fa%3D1%26b%3D2' })
    t.same(problemsOf(page, lang), [], 'well-formed')
    t.equal(page.status, 200)
    t.ok(page.html.includes(`<a class="button" href="/oauth2/start?rd=%2Fdash%3Fa%3D1%26b%3D2">${button[lang]}</a>`), lang)
    t.notOk(page.html.includes('role="alert"'), 'no error box without an error')
    t.notOk(page.html.includes('<form'), 'the login is a link, not a form')
  }
})

t.test('sign-in page: provider errors are explained kindly', async (t) => {
  const cases: Array<[string, number, Record<Lang, string>]> = [
    ['access_denied', 403, { en: 'You declined access', 'zh-CN': '您拒绝了授权' }],
    ['server_error', 502, { en: 'AIHubMix had a problem', 'zh-CN': 'AIHubMix 出现了问题' }],
    ['temporarily_unavailable', 502, { en: 'AIHubMix had a problem', 'zh-CN': 'AIHubMix 出现了问题' }],
    ['invalid_scope', 502, { en: 'error code: invalid_scope', 'zh-CN': '错误代码：invalid_scope' }]
  ]
  for (const lang of LANGS) {
    for (const [code, status, text] of cases) {
      const page = pages.signIn({ lang, startUrl: '/oauth2/start', error: { code, description: 'scope "x" & more' } })
      t.same(problemsOf(page, lang), [], 'well-formed')
      t.equal(page.status, status, `${lang} ${code}`)
      t.ok(page.html.includes('role="alert"'), 'error box')
      t.ok(page.html.includes(text[lang]), `${lang} ${code} message`)
      t.ok(page.html.includes('scope &quot;x&quot; &amp; more'), 'description shown escaped')
      t.ok(page.html.includes('href="/oauth2/start"'), 'the button stays')
    }
  }
  const long = pages.signIn({ lang: 'en', startUrl: '/', error: { code: 'server_error', description: 'y'.repeat(1000) } })
  t.ok(long.html.includes('y'.repeat(MAX_DESCRIPTION_CHARS) + '…'))
  t.notOk(long.html.includes('y'.repeat(MAX_DESCRIPTION_CHARS + 1)))
  const blank = pages.signIn({ lang: 'en', startUrl: '/', error: { code: 'access_denied', description: ' \n ' } })
  t.notOk(blank.html.includes('AIHubMix said'), 'no empty description line')
})

t.test('sign-out confirmation posts a same-origin form', async (t) => {
  const button = { en: '>Sign out</button>', 'zh-CN': '>退出登录</button>' }
  for (const lang of LANGS) {
    const page = pages.signOutConfirm({ lang, actionUrl: '/oauth2/sign_out?rd=%2F' })
    t.same(problemsOf(page, lang), [], 'well-formed')
    t.equal(page.status, 200)
    t.ok(page.html.includes('<form method="post" action="/oauth2/sign_out?rd=%2F">'))
    t.ok(page.html.includes(button[lang]))
  }
})

function inputFor (kind: ErrorKind, lang: Lang): ErrorPageInput {
  switch (kind) {
    case 'state_invalid': return { kind, lang, signInUrl: '/oauth2/sign_in?rd=%2Fx' }
    case 'insufficient_balance': return { kind, lang, topupUrl: '/oauth2/topup', balance: '$0.42' }
    default: return { kind, lang }
  }
}

t.test('every error page renders in both languages with its status', async (t) => {
  const titles = new Set<string>()
  for (const lang of LANGS) {
    for (const kind of ERROR_KINDS) {
      const page = pages.errorPage(inputFor(kind, lang))
      t.same(problemsOf(page, lang), [], 'well-formed')
      t.equal(page.status, ERROR_STATUS[kind], `${lang} ${kind}`)
      const title = /<title>(.*)<\/title>/.exec(page.html)?.[1] ?? ''
      t.ok(page.html.includes(`<h1>${title}</h1>`), 'heading repeats the title')
      titles.add(`${lang}:${title}`)
    }
  }
  t.equal(titles.size, ERROR_KINDS.length * LANGS.length, 'every kind has its own title')
  t.same(
    Object.fromEntries(ERROR_KINDS.map((k) => [k, ERROR_STATUS[k]])),
    {
      bad_request: 400,
      state_invalid: 403,
      account_disabled: 403,
      not_allowed: 403,
      insufficient_balance: 402,
      provider_error: 502,
      provider_unavailable: 503,
      upstream_unavailable: 502,
      upstream_timeout: 504,
      store_unavailable: 503,
      rate_limited: 429,
      overloaded: 503,
      cross_site: 403,
      not_found: 404
    })
})

t.test('error pages carry the links and values they were given', async (t) => {
  const expired = pages.errorPage({ kind: 'state_invalid', lang: 'en', signInUrl: '/oauth2/sign_in?rd=%2Fx' })
  t.ok(expired.html.includes('expired or was already used'))
  t.ok(expired.html.includes('<a class="button" href="/oauth2/sign_in?rd=%2Fx">Start again</a>'))

  const poor = pages.errorPage({ kind: 'insufficient_balance', lang: 'zh-CN', topupUrl: '/oauth2/topup', balance: '¥1,234.50' })
  t.ok(poor.html.includes('当前余额：¥1,234.50'))
  t.ok(poor.html.includes('<a class="button" href="/oauth2/topup">前往 AIHubMix 充值</a>'))
  const unknown = pages.errorPage({ kind: 'insufficient_balance', lang: 'en', topupUrl: '/oauth2/topup' })
  t.ok(unknown.html.includes('Your balance: unknown'))

  const disabled = pages.errorPage({ kind: 'account_disabled', lang: 'en', signInUrl: '/oauth2/sign_in' })
  t.ok(disabled.html.includes('href="/oauth2/sign_in">Sign in again</a>'))
  const notAllowed = pages.errorPage({ kind: 'not_allowed', lang: 'en' })
  t.ok(notAllowed.html.includes('<a href="/">Go to the home page</a>'), 'home link when no action is given')

  const busy = pages.errorPage({ kind: 'rate_limited', lang: 'en', retryAfterSeconds: 42, requestId: 'req-1' })
  t.ok(busy.html.includes('wait 42 seconds'))
  t.ok(busy.html.includes('Request ID: req-1'))
  const store = pages.errorPage({ kind: 'store_unavailable', lang: 'zh-CN', retryAfterSeconds: 1 })
  t.ok(store.html.includes('请在 1 秒后重试'))
  for (const retryAfterSeconds of [0, -1, 1.5, Number.NaN, Infinity]) {
    const page = pages.errorPage({ kind: 'store_unavailable', lang: 'en', retryAfterSeconds })
    t.notOk(page.html.includes('seconds before'), `no retry line for ${retryAfterSeconds}`)
  }
  t.ok(pages.errorPage({ kind: 'provider_error', lang: 'en' }).html.includes('AIHubMix is not answering'))
})

t.test('hostile input is escaped everywhere and links never leave the origin', async (t) => {
  for (const evil of HOSTILE) {
    const rendered = [
      pages.signIn({ lang: 'en', startUrl: evil, error: { code: evil, description: evil } }),
      pages.signIn({ lang: 'zh-CN', startUrl: `/oauth2/start?rd=${evil}`, error: { code: 'x', description: evil } }),
      pages.signOutConfirm({ lang: 'en', actionUrl: evil }),
      pages.signOutConfirm({ lang: 'en', actionUrl: `/oauth2/sign_out?rd=${evil}` }),
      pages.errorPage({ kind: 'state_invalid', lang: 'en', signInUrl: evil, requestId: evil }),
      pages.errorPage({ kind: 'insufficient_balance', lang: 'zh-CN', topupUrl: evil, balance: evil }),
      pages.errorPage({ kind: 'not_allowed', lang: 'en', signInUrl: `/${evil}` })
    ]
    for (const page of rendered) {
      t.notMatch(page.html, /<script/i, `no raw <script> for ${evil}`)
      t.notMatch(page.html, /<img/i)
      t.notOk(page.html.includes("' onmouseover"), 'no attribute breakout')
      t.notMatch(page.html, /href="(?!\/(?![/\\]))/, 'every href is a same-origin path')
      t.notMatch(page.html, /action="(?!\/(?![/\\]))/, 'every form action is a same-origin path')
    }
  }
})

t.test('no input changes the page structure', async (t) => {
  const any = fc.string({ unit: 'binary' })
  const shape = (html: string): number[] => ['<', '>', '"', "'"].map((ch) => count(html, ch))
  const signInShape = shape(pages.signIn({ lang: 'en', startUrl: '/s', error: { code: 'c', description: 'd' } }).html)
  const balanceShape = shape(pages.errorPage({ kind: 'insufficient_balance', lang: 'en', topupUrl: '/t', balance: 'b', requestId: 'r' }).html)
  fc.assert(fc.property(any, any, any, (code, description, url) => {
    const page = pages.signIn({ lang: 'en', startUrl: url, error: { code: 'c' + code, description: 'd' + description } })
    return shape(page.html).join() === signInShape.join()
  }))
  fc.assert(fc.property(any, any, any, (url, balance, requestId) => {
    const page = pages.errorPage({ kind: 'insufficient_balance', lang: 'en', topupUrl: url, balance: 'b' + balance, requestId: 'r' + requestId })
    return shape(page.html).join() === balanceShape.join()
  }))
  t.pass('properties hold')
})
