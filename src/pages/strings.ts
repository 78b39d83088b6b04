// Every word the proxy's pages show, one table per language. Values are plain text (escaped
// when rendered); `{name}` marks a value filled in at render time.
import type { Lang } from './language.js'

export const ERROR_KINDS = [
  'bad_request',
  'state_invalid',
  'account_disabled',
  'not_allowed',
  'insufficient_balance',
  'provider_error',
  'provider_unavailable',
  'upstream_unavailable',
  'upstream_timeout',
  'store_unavailable',
  'rate_limited',
  'overloaded',
  'cross_site',
  'not_found'
] as const

export type ErrorKind = typeof ERROR_KINDS[number]

export interface ErrorText {
  title: string
  message: string
}

export interface Strings {
  signInTitle: string
  signInLead: string
  signInButton: string
  // Provider errors on the callback (§4), by RFC 6749 §4.1.2.1 code.
  providerAccessDenied: string
  providerServerError: string
  providerOtherError: string // {code}
  providerDescription: string // {description}
  signOutTitle: string
  signOutLead: string
  signOutButton: string
  errors: Readonly<Record<ErrorKind, ErrorText>>
  startAgain: string
  signInAgain: string
  topUp: string
  balance: string // {balance}
  balanceUnknown: string
  retryAfter: string // {seconds}
  requestId: string // {id}
  home: string
}

const en: Strings = {
  signInTitle: 'Sign in',
  signInLead: 'This site uses your AIHubMix account. After signing in you come straight back here.',
  signInButton: 'Sign in with AIHubMix',
  providerAccessDenied: 'You declined access, so you are not signed in. You can try again whenever you like.',
  providerServerError: 'AIHubMix had a problem. Please try again.',
  providerOtherError: 'Signing in with AIHubMix did not work (error code: {code}). Please try again.',
  providerDescription: 'AIHubMix said: {description}',
  signOutTitle: 'Sign out',
  signOutLead: 'Do you want to sign out of this site?',
  signOutButton: 'Sign out',
  errors: {
    bad_request: {
      title: 'Bad request',
      message: 'This request could not be understood. Please go back and try again.'
    },
    state_invalid: {
      title: 'Sign-in link expired',
      message: 'This sign-in link expired or was already used. Please start again.'
    },
    account_disabled: {
      title: 'Account disabled',
      message: 'Your AIHubMix account is disabled, so it cannot be used to sign in here. Contact AIHubMix support if you think this is a mistake.'
    },
    not_allowed: {
      title: 'Access not allowed',
      message: 'Your AIHubMix account is not allowed to use this site. Ask the site\'s operator for access, or sign in with another account.'
    },
    insufficient_balance: {
      title: 'Balance too low',
      message: 'Your AIHubMix balance is too low to use this site. Please top up, then come back.'
    },
    provider_error: {
      title: 'AIHubMix is not answering',
      message: 'AIHubMix is not answering right now. Please try again in a moment.'
    },
    provider_unavailable: {
      title: 'Waiting for AIHubMix',
      message: 'Your sign-in needs renewing, but AIHubMix is not answering right now. You are still signed in: please try again in a moment.'
    },
    upstream_unavailable: {
      title: 'Service unavailable',
      message: 'The application behind this sign-in cannot be reached right now. Please try again in a moment.'
    },
    upstream_timeout: {
      title: 'Timed out',
      message: 'The application took too long to answer. Please try again in a moment.'
    },
    store_unavailable: {
      title: 'Temporarily unavailable',
      message: 'Signing in is temporarily unavailable. Please try again in a moment.'
    },
    overloaded: {
      title: 'Busy right now',
      message: 'This site is handling more requests than it can right now. Please try again in a moment.'
    },
    rate_limited: {
      title: 'Too many attempts',
      message: 'There were too many sign-in attempts from your network. Please wait a moment, then try again.'
    },
    cross_site: {
      title: 'Request refused',
      message: 'This request came from another site and was refused to protect your account. If you meant to do this, go back to this site and try again from there.'
    },
    not_found: {
      title: 'Page not found',
      message: 'There is nothing at this address.'
    }
  },
  startAgain: 'Start again',
  signInAgain: 'Sign in again',
  topUp: 'Top up on AIHubMix',
  balance: 'Your balance: {balance}',
  balanceUnknown: 'unknown',
  retryAfter: 'Please wait {seconds} seconds before trying again.',
  requestId: 'Request ID: {id}',
  home: 'Go to the home page'
}

const zhCN: Strings = {
  signInTitle: '登录',
  signInLead: '本站使用您的 AIHubMix 账号登录，登录后会自动回到这里。',
  signInButton: '使用 AIHubMix 一键登录',
  providerAccessDenied: '您拒绝了授权，因此没有登录。您可以随时重试。',
  providerServerError: 'AIHubMix 出现了问题，请重试。',
  providerOtherError: '通过 AIHubMix 登录未成功（错误代码：{code}），请重试。',
  providerDescription: 'AIHubMix 的说明：{description}',
  signOutTitle: '退出登录',
  signOutLead: '确定要退出本站的登录吗？',
  signOutButton: '退出登录',
  errors: {
    bad_request: {
      title: '请求无效',
      message: '无法理解此请求。请返回后重试。'
    },
    state_invalid: {
      title: '登录链接已失效',
      message: '此登录链接已过期或已被使用，请重新开始。'
    },
    account_disabled: {
      title: '账号已停用',
      message: '您的 AIHubMix 账号已被停用，无法在此登录。如有疑问，请联系 AIHubMix 客服。'
    },
    not_allowed: {
      title: '无权访问',
      message: '您的 AIHubMix 账号无权使用本站。请联系本站管理员开通，或使用其他账号登录。'
    },
    insufficient_balance: {
      title: '余额不足',
      message: '您的 AIHubMix 余额不足，无法使用本站。请充值后再回来。'
    },
    provider_error: {
      title: 'AIHubMix 暂无响应',
      message: 'AIHubMix 暂时没有响应，请稍后重试。'
    },
    provider_unavailable: {
      title: '正在等待 AIHubMix',
      message: '您的登录需要续期，但 AIHubMix 暂时没有响应。您仍处于登录状态，请稍后重试。'
    },
    upstream_unavailable: {
      title: '服务暂不可用',
      message: '本站的应用暂时无法访问，请稍后重试。'
    },
    upstream_timeout: {
      title: '响应超时',
      message: '应用响应时间过长，请稍后重试。'
    },
    store_unavailable: {
      title: '暂时无法使用',
      message: '登录服务暂时不可用，请稍后重试。'
    },
    overloaded: {
      title: '服务繁忙',
      message: '本站当前请求过多，请稍后重试。'
    },
    rate_limited: {
      title: '尝试次数过多',
      message: '您的网络发出的登录请求过多，请稍等片刻再试。'
    },
    cross_site: {
      title: '请求被拒绝',
      message: '此请求来自其他网站，为保护您的账号已被拒绝。如确需操作，请回到本站后重试。'
    },
    not_found: {
      title: '页面不存在',
      message: '此地址没有内容。'
    }
  },
  startAgain: '重新开始',
  signInAgain: '重新登录',
  topUp: '前往 AIHubMix 充值',
  balance: '当前余额：{balance}',
  balanceUnknown: '未知',
  retryAfter: '请在 {seconds} 秒后重试。',
  requestId: '请求 ID：{id}',
  home: '返回首页'
}

export const STRINGS: Readonly<Record<Lang, Strings>> = { en, 'zh-CN': zhCN }
