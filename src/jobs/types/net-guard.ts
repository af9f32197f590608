import type { LookupAddress } from 'node:dns'
import { lookup as dnsLookup } from 'node:dns/promises'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { JobFailedError } from '../errors.ts'

/**
 * Every range that is not a public unicast destination: private, loopback, link-local,
 * shared (CGNAT), documentation, benchmarking, multicast and reserved (IANA special-purpose
 * registries). An `http` job must not reach any of them unless the operator allows it (QUALITY S4).
 */
const blocked = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"; Linux connects 0.0.0.0 to the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT shared space: the provider's internal network
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, home of cloud metadata endpoints (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes the broadcast 255.255.255.255
] as const) {
  blocked.addSubnet(net, bits, 'ipv4')
}
for (const [net, bits] of [
  ['::', 96], // ::, ::1 and the deprecated IPv4-compatible form
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215): translated by a local gateway
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: the embedded client address is obfuscated, so it cannot be checked
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local
  ['fe80::', 10],
  ['fec0::', 10], // deprecated site-local, still routed internally by some networks
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6')
}

const ipv4ToInt = (ip: string): number => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0)
const intToIpv4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')

/** The eight 16-bit groups of an address that `isIP` already accepted as IPv6. */
function ipv6Groups(ip: string): number[] {
  let text = ip
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.', lastColon)) {
    const v4 = ipv4ToInt(text.slice(lastColon + 1))
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)))
  const h = groups(head)
  const t = tail === undefined ? [] : groups(tail)
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t]
}

/**
 * The IPv4 address an IPv6 address stands for, when the packet really goes to that IPv4
 * host: IPv4-mapped (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96, RFC 2765 SIIT: a
 * translator hands it to the IPv4 host), well-known NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 */
function embeddedIpv4(ip: string): string | undefined {
  const g = ipv6Groups(ip)
  const word = (hi: number, lo: number) => (((g[hi] ?? 0) << 16) | (g[lo] ?? 0)) >>> 0
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0)
  if (zeroUpTo(5) && g[5] === 0xffff) return intToIpv4(word(6, 7))
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return intToIpv4(word(6, 7))
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return intToIpv4(word(6, 7))
  if (g[0] === 0x2002) return intToIpv4(word(1, 2))
  return undefined
}

/**
 * True when `ip` is not a public unicast address (see the ranges above). Accepts `[v6]`
 * brackets and `%zone` suffixes. Anything that is not an IP literal counts as private, so a
 * caller that passes a hostname by mistake fails closed.
 */
export function isPrivateAddress(ip: string): boolean {
  const address = ip.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '')
  switch (isIP(address)) {
    case 4:
      return blocked.check(address, 'ipv4')
    case 6: {
      const v4 = embeddedIpv4(address)
      return v4 === undefined ? blocked.check(address, 'ipv6') : blocked.check(v4, 'ipv4')
    }
    default:
      return true
  }
}

/** Resolves a hostname to all its addresses; injectable so tests can fake DNS. */
export type Resolver = (
  hostname: string,
  options: { family: 0 | 4 | 6; hints?: number },
) => Promise<readonly LookupAddress[]>

/** `dns.lookup` (the system resolver, /etc/hosts included) returning every address. */
export const systemResolver: Resolver = (hostname, options) => dnsLookup(hostname, { ...options, all: true })

/** The job error for a destination the guard refuses; `code` is `target_not_allowed`. */
export const targetNotAllowed = (what: string): JobFailedError =>
  new JobFailedError(
    `${what} is a private, loopback, link-local or reserved address; the operator has not allowed such targets`,
    'target_not_allowed',
  )

/**
 * The job error for a hostname without a public address. A name that does not resolve and one that
 * resolves privately get this same error (code, message, and no address echoed): otherwise a job
 * could map the internal DNS zone by telling "exists inside" from "does not exist".
 */
export const hostNotPublic = (hostname: string): JobFailedError =>
  new JobFailedError(
    `host ${hostname} has no public address: it could not be resolved, or it resolves to a private, loopback, link-local or reserved address, and the operator has not allowed such targets`,
    'target_not_allowed',
  )

const notFound = (hostname: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })

/**
 * A `dns.lookup`-compatible function for `http.request({ lookup })`. Node connects to exactly
 * the addresses this returns, so checking them here is what makes the guard DNS-rebinding
 * safe: no second resolution happens between the check and the connect. A hostname is
 * refused when ANY of its addresses is private, because the socket may try each of them
 * (autoSelectFamily). IP literals never reach a lookup; check those with `isPrivateAddress`.
 * While private targets are refused, a resolution failure is refused the same way (`hostNotPublic`).
 */
export function createGuardedLookup(options: {
  allowPrivate: boolean
  resolve?: Resolver | undefined
  /** Test seam; defaults to `isPrivateAddress`. */
  isPrivate?: ((ip: string) => boolean) | undefined
}): LookupFunction {
  const resolve = options.resolve ?? systemResolver
  const isPrivate = options.isPrivate ?? isPrivateAddress
  const unresolved = (hostname: string, err: NodeJS.ErrnoException): NodeJS.ErrnoException =>
    options.allowPrivate ? err : hostNotPublic(hostname)
  return (hostname, lookupOptions, callback) => {
    const { family: f, hints } = lookupOptions
    const family = f === 4 || f === 'IPv4' ? 4 : f === 6 || f === 'IPv6' ? 6 : 0
    resolve(hostname, hints === undefined ? { family } : { family, hints }).then(
      (addresses) => {
        const first = addresses[0]
        if (first === undefined) {
          callback(unresolved(hostname, notFound(hostname)), '')
        } else if (!options.allowPrivate && addresses.some((a) => isPrivate(a.address))) {
          callback(hostNotPublic(hostname), '')
        } else if (lookupOptions.all) {
          callback(null, [...addresses])
        } else {
          callback(null, first.address, first.family)
        }
      },
      (err: NodeJS.ErrnoException) => callback(unresolved(hostname, err), ''),
    )
  }
}
