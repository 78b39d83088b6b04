import t from 'tap'
import fc from 'fast-check'
import { compileRouteRules, isApiRoute, isSkipAuth } from '../../src/rules/routes.js'

const rules = compileRouteRules({
  skipAuthRoutes: [
    { pattern: /^\/healthcheck$/ },
    { method: 'get', pattern: /^\/public\// },
    { method: 'POST', pattern: /^\/webhooks\/[a-z]+$/ },
    { method: '', pattern: /^\/any-method$/ }
  ],
  apiRoutes: [/^\/api\//, /\.json$/]
})

t.test('skipAuthRoutes: method and normalized path', async (t) => {
  const cases: Array<[string, string, boolean, string]> = [
    ['GET', '/healthcheck', true, 'a rule without a method applies to GET'],
    ['DELETE', '/healthcheck', true, 'and to any other method'],
    ['GET', '/healthcheck/', false, 'anchored regexes are exact'],
    ['GET', '/public/app.css', true, 'GET= rule'],
    ['get', '/public/app.css', true, 'method case does not matter'],
    ['HEAD', '/public/app.css', true, 'HEAD matches a GET= rule'],
    ['POST', '/public/app.css', false, 'GET= rule does not cover POST'],
    ['OPTIONS', '/public/app.css', false, 'nor OPTIONS'],
    ['POST', '/webhooks/github', true, 'POST= rule'],
    ['GET', '/webhooks/github', false, 'POST= rule does not cover GET'],
    ['HEAD', '/webhooks/github', false, 'nor HEAD'],
    ['PUT', '/any-method', true, 'an empty method means any'],
    ['GET', '/PUBLIC/app.css', false, 'case-sensitive: upper case needs a session'],
    ['GET', '/Public/app.css', false, 'case-sensitive: mixed case needs a session'],
    ['GET', '/public./app.css', false, 'a trailing dot is not folded'],
    ['GET', '/public;x/app.css', false, 'path parameters are not folded'],
    ['GET', '/x/public/app.css', false, 'anchored at the start'],
    ['GET', '/public', false, 'no trailing slash, no match']
  ]
  for (const [method, path, expected, name] of cases) t.equal(isSkipAuth(method, path, rules), expected, name)
})

t.test('apiRoutes', async (t) => {
  t.ok(isApiRoute('/api/v1/chat', rules))
  t.ok(isApiRoute('/data/x.json', rules))
  t.notOk(isApiRoute('/API/v1/chat', rules), 'case-sensitive')
  t.notOk(isApiRoute('/apix', rules))
  t.notOk(isApiRoute('/', compileRouteRules({ skipAuthRoutes: [], apiRoutes: [] })), 'no rules, no match')
  t.notOk(isSkipAuth('GET', '/', compileRouteRules({ skipAuthRoutes: [], apiRoutes: [] })))
})

t.test('flags: g and y are dropped, others kept, the config RegExp is not touched', async (t) => {
  const sticky = /^\/s\//gy
  const global = /^\/g\//g
  const insensitive = /^\/i\//i
  const compiled = compileRouteRules({ skipAuthRoutes: [{ pattern: sticky }, { pattern: insensitive }], apiRoutes: [global] })
  for (let i = 0; i < 5; i++) {
    t.ok(isSkipAuth('GET', '/s/x', compiled), `sticky regex matches on call ${i}`)
    t.ok(isApiRoute('/g/x', compiled), `global regex matches on call ${i}`)
  }
  t.ok(isSkipAuth('GET', '/I/x', compiled), 'an i flag the config gave is kept')
  t.equal(global.lastIndex, 0)
  t.equal(sticky.lastIndex, 0)
  t.not(compiled.api[0], global, 'a copy')
  t.ok(Object.isFrozen(compiled) && Object.isFrozen(compiled.skipAuth) && Object.isFrozen(compiled.api))
})

t.test('property: the same question always gets the same answer', async () => {
  const compiled = compileRouteRules({ skipAuthRoutes: [{ method: 'GET', pattern: /a/g }], apiRoutes: [/b/gy] })
  fc.assert(fc.property(fc.string({ maxLength: 8 }), (path) => {
    const skip = isSkipAuth('GET', path, compiled)
    const api = isApiRoute(path, compiled)
    return skip === isSkipAuth('HEAD', path, compiled) && skip === path.includes('a') &&
      api === isApiRoute(path, compiled) && api === path.includes('b')
  }))
})
