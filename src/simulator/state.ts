// Everything one simulator instance remembers. Created per buildSimulator() call, never shared.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Socket } from 'node:net'
import { defaultSettings, seedClients, seedDeveloperTokens, seedUsers } from './seed.js'
import {
  CALL_NAMES, type CallCounts, type CallName, type CodeRecord, type Fault, type FaultEndpoint,
  type FaultMode, type SimClient, type SimClientInput, type SimSettings, type SimUser,
  type SimUserInput, type TokenRecord
} from './types.js'

export interface SimulatorSeed {
  users: SimUserInput[]
  clients: SimClientInput[]
  developerTokens: string[]
  settings: SimSettings
}

export interface SimulatorStateOptions {
  users?: SimUserInput[]
  clients?: SimClientInput[]
  developerTokens?: string[]
  settings?: Partial<SimSettings>
  now?: () => number
  randomBytes?: (n: number) => Buffer
}

export interface LastCode {
  code: string
  state: string
  client_id: string
  redirect_uri: string
  user_id: number
}

// Secrets and tokens are compared by digest so the comparison time says nothing about them.
export function safeEqual (a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest()
  const db = createHash('sha256').update(b).digest()
  return timingSafeEqual(da, db)
}

function zeroCounts (): CallCounts {
  return Object.fromEntries(CALL_NAMES.map((n) => [n, 0])) as CallCounts
}

export class SimulatorState {
  readonly now: () => number
  readonly randomBytes: (n: number) => Buffer
  private readonly seed: SimulatorSeed
  // Maps keyed by caller-supplied strings are Maps, so "__proto__" is just a key.
  users = new Map<number, SimUser>()
  clients = new Map<string, SimClient>()
  developerTokens: string[] = []
  settings: SimSettings = defaultSettings()
  codes = new Map<string, CodeRecord>()
  tokens = new Map<string, TokenRecord>()
  loginSessions = new Map<string, number>()
  calls: CallCounts = zeroCounts()
  faults = new Map<FaultEndpoint, Fault>()
  lastCode: LastCode | undefined
  private nextClientId = 1
  // Sockets a fault left open on purpose (hang, no-headers); destroyed when the app closes.
  readonly openSockets = new Set<Socket>()
  // Aborted when the app closes, so injected latency does not hold the process open.
  readonly closing = new AbortController()

  constructor (options: SimulatorStateOptions = {}) {
    this.now = options.now ?? Date.now
    this.randomBytes = options.randomBytes ?? randomBytes
    this.seed = {
      users: options.users ?? seedUsers(),
      clients: options.clients ?? seedClients(),
      developerTokens: options.developerTokens ?? seedDeveloperTokens(),
      settings: { ...defaultSettings(), ...options.settings }
    }
    this.reset()
  }

  reset (): void {
    this.users.clear()
    this.clients.clear()
    this.codes.clear()
    this.tokens.clear()
    this.loginSessions.clear()
    this.faults.clear()
    this.lastCode = undefined
    this.nextClientId = 1
    for (const u of this.seed.users) this.putUser(u)
    for (const c of this.seed.clients) this.putClient(c)
    this.developerTokens = [...this.seed.developerTokens]
    this.settings = { ...this.seed.settings }
    this.resetCalls()
  }

  nowSeconds (): number {
    return Math.floor(this.now() / 1000)
  }

  // >= 128 bits, opaque (the task brief; RFC 6749 §10.10)
  randomToken (prefix = ''): string {
    return prefix + this.randomBytes(32).toString('base64url')
  }

  putUser (input: SimUserInput): SimUser {
    const user: SimUser = {
      ...input,
      status: input.status ?? 1,
      created_time: input.created_time ?? this.nowSeconds()
    }
    this.users.set(user.id, user)
    return user
  }

  patchUser (id: number, patch: Partial<Omit<SimUser, 'id'>>): SimUser | undefined {
    const user = this.users.get(id)
    if (user === undefined) return undefined
    for (const [k, v] of Object.entries(patch)) {
      if (v !== undefined) Object.assign(user, { [k]: v })
    }
    return user
  }

  findUserByLogin (username: string, password: string): SimUser | undefined {
    for (const u of this.users.values()) {
      if (u.username === username) return safeEqual(u.password, password) ? u : undefined
    }
    return undefined
  }

  putClient (input: SimClientInput): SimClient {
    const client: SimClient = {
      id: this.nextClientId++,
      name: input.name ?? input.client_id,
      description: input.description ?? '',
      client_id: input.client_id,
      client_secret: input.client_secret,
      redirect_uri: input.redirect_uri,
      created_time: this.nowSeconds()
    }
    this.clients.set(client.client_id, client)
    return client
  }

  isDeveloperToken (token: string): boolean {
    let found = false
    for (const t of this.developerTokens) found = safeEqual(t, token) || found
    return found
  }

  createLoginSession (userId: number): string {
    const sid = this.randomToken()
    this.loginSessions.set(sid, userId)
    return sid
  }

  userForSession (sid: string | undefined): SimUser | undefined {
    if (sid === undefined) return undefined
    const id = this.loginSessions.get(sid)
    return id === undefined ? undefined : this.users.get(id)
  }

  countCall (name: CallName): void {
    this.calls[name]++
  }

  resetCalls (): void {
    this.calls = zeroCounts()
  }

  setFault (fault: Fault): void {
    this.faults.set(fault.endpoint, { ...fault })
  }

  // Returns the fault to apply to this call (and uses up one of its `times`), if any.
  takeFault (endpoint: FaultEndpoint, accepts: (mode: FaultMode) => boolean): Fault | undefined {
    const fault = this.faults.get(endpoint)
    if (fault === undefined || !accepts(fault.mode)) return undefined
    if (fault.times !== undefined) {
      fault.times--
      if (fault.times <= 0) this.faults.delete(endpoint)
    }
    return fault
  }

  holdSocket (socket: Socket): void {
    this.openSockets.add(socket)
    socket.once('close', () => this.openSockets.delete(socket))
  }

  destroyHeldSockets (): void {
    for (const s of this.openSockets) s.destroy()
    this.openSockets.clear()
  }
}
