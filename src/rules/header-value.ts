// §5 header values: identity values (names, emails, balances such as "¥1,234.50") go upstream
// in headers, which carry only printable ASCII safely. The whole value is percent-encoded as
// encodeURIComponent does when it holds '%' or anything outside 0x20-0x7E; otherwise it is sent
// as is. Upstreams always apply decodeURIComponent: a value without '%' decodes to itself, and
// '%' always forces encoding, so decoding is never ambiguous.
//
// Decision (the SPEC is silent on it): a lone UTF-16 surrogate (possible in JSON from the
// provider, e.g. "\ud800") cannot be encoded and would make encodeURIComponent throw; it is
// replaced with U+FFFD first, as TextEncoder and String#toWellFormed do.

const SEND_AS_IS = /^[\x20-\x24\x26-\x7E]*$/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

export function encodeHeaderValue (value: string): string {
  if (SEND_AS_IS.test(value)) return value
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'))
}
