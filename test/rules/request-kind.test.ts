import t from 'tap'
import { isBrowserNavigation } from '../../src/rules/request-kind.js'

const html = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

t.test('browser navigation or API client', async (t) => {
  const cases: Array<[string, Parameters<typeof isBrowserNavigation>[0], boolean]> = [
    ['GET from a browser', { method: 'GET', accept: html, xRequestedWith: undefined, isApiRoute: false }, true],
    ['HEAD from a browser', { method: 'HEAD', accept: html, xRequestedWith: undefined, isApiRoute: false }, true],
    ['upper-case media type', { method: 'GET', accept: 'TEXT/HTML', xRequestedWith: undefined, isApiRoute: false }, true],
    ['Accept as an array', { method: 'GET', accept: ['application/json', 'text/html'], xRequestedWith: undefined, isApiRoute: false }, true],
    ['POST form', { method: 'POST', accept: html, xRequestedWith: undefined, isApiRoute: false }, false],
    ['OPTIONS', { method: 'OPTIONS', accept: html, xRequestedWith: undefined, isApiRoute: false }, false],
    ['an apiRoutes path', { method: 'GET', accept: html, xRequestedWith: undefined, isApiRoute: true }, false],
    ['XHR', { method: 'GET', accept: html, xRequestedWith: 'XMLHttpRequest', isApiRoute: false }, false],
    ['X-Requested-With empty', { method: 'GET', accept: html, xRequestedWith: '', isApiRoute: false }, false],
    ['X-Requested-With as an array', { method: 'GET', accept: html, xRequestedWith: ['a'], isApiRoute: false }, false],
    ['JSON client', { method: 'GET', accept: 'application/json', xRequestedWith: undefined, isApiRoute: false }, false],
    ['any type only', { method: 'GET', accept: '*/*', xRequestedWith: undefined, isApiRoute: false }, false],
    ['no Accept (curl)', { method: 'GET', accept: undefined, xRequestedWith: undefined, isApiRoute: false }, false],
    ['Accept array without HTML', { method: 'GET', accept: ['application/json'], xRequestedWith: undefined, isApiRoute: false }, false],
    ['empty Accept array', { method: 'GET', accept: [], xRequestedWith: undefined, isApiRoute: false }, false]
  ]
  for (const [name, input, expected] of cases) t.equal(isBrowserNavigation(input), expected, name)
})
