// SPEC §4 sign_in over HTTP: zh-CN or English by Accept-Language, the one-click link to start
// with the validated rd, the page headers (CSP) and no asset from anywhere else.
import t from 'tap'
import { request } from 'undici'
import { startStack } from '../helpers/stack.js'

t.test('sign_in speaks the browser\'s language and loads nothing from elsewhere', async (t) => {
  const stack = await startStack(t)
  const cases: Array<[string | undefined, 'en' | 'zh-CN', string]> = [
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN', '使用 AIHubMix 一键登录'],
    ['zh-TW', 'zh-CN', '使用 AIHubMix 一键登录'],
    ['en-US,en;q=0.9', 'en', 'Sign in with AIHubMix'],
    ['fr-FR, en;q=0.5, zh;q=0.4', 'en', 'Sign in with AIHubMix'],
    ['de', 'en', 'Sign in with AIHubMix'],
    [undefined, 'en', 'Sign in with AIHubMix']
  ]
  for (const [acceptLanguage, lang, button] of cases) {
    const res = await request(`${stack.proxyUrl}/oauth2/sign_in?rd=%2Fdash%3Fa%3D1`, {
      headers: { accept: 'text/html', ...(acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage }) }
    })
    const html = await res.body.text()
    const label = String(acceptLanguage)
    t.equal(res.statusCode, 200, label)
    t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    t.match(html, `<html lang="${lang}">`, `${label}: ${lang}`)
    t.match(html, `<a class="button" href="/oauth2/start?rd=%2Fdash%3Fa%3D1">${button}</a>`, `${label}: the one-click link keeps rd`)
    const csp = String(res.headers['content-security-policy'])
    t.match(csp, /default-src 'none'/, 'CSP present')
    t.match(csp, /style-src 'sha256-/, 'only the hashed inline stylesheet')
    t.notMatch(html, /https?:\/\/|<script|<link|<img|\bsrc=|url\(|@import/i, `${label}: no external asset URL`)
  }
})
