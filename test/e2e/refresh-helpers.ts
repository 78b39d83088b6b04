// Shared by the refresh and session end-to-end tests: a movable clock, the simulator's control
// API, and several replicas of the proxy on one real Redis (SPEC §7 "several replicas sharing
// one Redis behave as one").
import type { Test } from 'tap'
import { request } from 'undici'
import type { Browser } from '../helpers/browser.js'
import { deleteKeys, makeStore, startStack, waitReady, type Stack, type StackOptions } from '../helpers/stack.js'
import type { SessionStore } from '../../src/session/store.js'

export interface Clock { offset: number, now: () => number }

/** The proxy's clock, moved past token expiry or userinfoTtl instead of waiting for it. */
export function makeClock (): Clock {
  const clock: Clock = { offset: 0, now: () => Date.now() + clock.offset }
  return clock
}

export async function control (stack: Stack, path: string, body: unknown, method = 'POST'): Promise<unknown> {
  const res = await request(`${stack.simulatorUrl}/__control/${path}`, {
    method: method as 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  const text = await res.body.text()
  if (res.statusCode >= 300) throw new Error(`control ${path}: ${res.statusCode} ${text}`)
  return text === '' ? undefined : JSON.parse(text)
}

export async function calls (stack: Stack): Promise<Record<string, number>> {
  const res = await request(`${stack.simulatorUrl}/__control/calls`)
  return await res.body.json() as Record<string, number>
}

export function cookieOf (browser: Browser, stack: Stack): string {
  return [...browser.cookies(stack.proxyUrl)].map(([k, v]) => `${k}=${v}`).join('; ')
}

export interface Answer { status: number, headers: Record<string, unknown>, body: string }

export async function get (url: string, headers: Record<string, string>): Promise<Answer> {
  const res = await request(url, { headers })
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

/** The X-User-* headers the upstream received (the demo upstream's /headers echoes them). */
export function seen (answer: Answer): Record<string, string> {
  return JSON.parse(answer.body) as Record<string, string>
}

/** A Redis store under a fresh prefix, closed and cleaned at teardown. */
function refreshPrefix (): string {
  return `aap-test:refresh-${Date.now()}-${Math.random()}:`
}

export async function sharedRedisStore (t: Test, prefix = refreshPrefix()): Promise<SessionStore> {
  const store = makeStore('redis', prefix)
  await waitReady(store)
  t.teardown(async () => { await store.close(); await deleteKeys(prefix) })
  return store
}

/**
 * `count` replicas on one Redis, one simulator, one OAuth2 client. Each replica has its own Redis
 * connection, as separate processes would, unless `store` is given (shared, to count its calls).
 * `clocks` gives each its own clock (default: all on `clock`).
 */
export async function replicas (
  t: Test, clock: Clock, config: Record<string, unknown> = {}, count = 3, options: { store?: SessionStore, clocks?: Clock[] } = {}
): Promise<Stack[]> {
  const prefix = refreshPrefix()
  const stacks: Stack[] = []
  for (let i = 0; i < count; i++) {
    const store = options.store ?? await sharedRedisStore(t, prefix)
    const own: StackOptions = { sharedStore: store, now: (options.clocks?.[i] ?? clock).now, config }
    stacks.push(await startStack(t, stacks[0] === undefined ? own : { ...own, replicaOf: stacks[0] }))
  }
  return stacks
}

/**
 * The store as the proxy sees it, with every call counted by method: an observation of what
 * the proxy asks the real store, not a replacement for it.
 */
export function countingStore (store: SessionStore): { store: SessionStore, counts: Map<string, number> } {
  const counts = new Map<string, number>()
  const counted = new Proxy(store, {
    get (target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver)
      if (typeof value !== 'function' || typeof name !== 'string') return value
      return (...args: unknown[]) => {
        counts.set(name, (counts.get(name) ?? 0) + 1)
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    }
  })
  return { store: counted, counts }
}
