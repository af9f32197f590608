import type { LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { describe, expect, it } from 'vitest'
import { JobFailedError } from '../../../src/jobs/errors.ts'
import { createGuardedLookup, isPrivateAddress, type Resolver } from '../../../src/jobs/types/net-guard.ts'

describe('isPrivateAddress', () => {
  it.each([
    // IPv4 private, loopback, link-local, this-network, CGNAT, reserved
    ['10.0.0.1', true],
    ['10.255.255.255', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['169.254.169.254', true],
    ['0.0.0.0', true],
    ['0.1.2.3', true],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['224.0.0.1', true],
    ['239.255.255.250', true],
    ['240.0.0.1', true],
    ['255.255.255.255', true],
    ['192.0.2.10', true],
    ['198.18.0.1', true],
    // IPv4 public, including the neighbours of every private range
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['9.255.255.255', false],
    ['11.0.0.0', false],
    ['172.15.255.255', false],
    ['172.32.0.0', false],
    ['192.167.255.255', false],
    ['192.169.0.0', false],
    ['100.63.255.255', false],
    ['100.128.0.0', false],
    ['169.253.255.255', false],
    ['223.255.255.255', false],
    ['93.184.216.34', false],
    // IPv6 special ranges
    ['::1', true],
    ['::', true],
    ['0:0:0:0:0:0:0:1', true],
    ['fc00::1', true],
    ['fd12:3456:789a::1', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['febf::1', true],
    ['ff02::1', true],
    ['2001:db8::1', true],
    ['[::1]', true],
    // IPv4 embedded in IPv6: the embedded address decides
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:10.1.2.3', true],
    ['::ffff:8.8.8.8', false],
    ['::ffff:808:808', false],
    // IPv4-translated (::ffff:0:0:0/96): as the mapped form
    ['::ffff:0:7f00:1', true],
    ['[::ffff:0:7f00:1]', true],
    ['::ffff:0:127.0.0.1', true],
    ['::ffff:0:a9fe:a9fe', true],
    ['::ffff:0:808:808', false],
    ['64:ff9b::127.0.0.1', true],
    ['64:ff9b::a00:1', true],
    ['64:ff9b::8.8.8.8', false],
    ['64:ff9b:1::1', true],
    ['2002:7f00:1::', true],
    ['2002:c0a8:101::1', true],
    ['2002:808:808::1', false],
    ['::127.0.0.1', true],
    // IPv6 public
    ['2001:4860:4860::8888', false],
    ['2606:4700:4700::1111', false],
    ['fec0::1', true],
    ['fbff:ffff::1', false],
    // Not an IP literal: fail closed
    ['localhost', true],
    ['example.com', true],
    ['', true],
    ['1.2.3', true],
    ['256.1.1.1', true],
  ])('%s → %s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected)
  })
})

type LookupResult = { err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }

function callLookup(lookup: LookupFunction, hostname: string, all: boolean): Promise<LookupResult> {
  return new Promise((resolve) => {
    lookup(hostname, { all, family: 0 }, (err, address, family) => resolve({ err, address, family }))
  })
}

const fakeDns =
  (table: Record<string, string[]>): Resolver =>
  async (hostname) =>
    (table[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))

describe('createGuardedLookup', () => {
  const resolve = fakeDns({
    'public.test': ['93.184.216.34', '2606:2800:220:1::1'],
    'private.test': ['10.0.0.5'],
    // A rebinding-style name: one public and one private answer; the socket could pick either.
    'mixed.test': ['93.184.216.34', '127.0.0.1'],
    'mapped.test': ['::ffff:169.254.169.254'],
  })

  it('returns every address of a public host when asked for all', async () => {
    const { err, address } = await callLookup(
      createGuardedLookup({ allowPrivate: false, resolve }),
      'public.test',
      true,
    )
    expect(err).toBeNull()
    expect(address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ])
  })

  it('returns the first address and its family in the single-address form', async () => {
    const result = await callLookup(
      createGuardedLookup({ allowPrivate: false, resolve }),
      'public.test',
      false,
    )
    expect(result).toEqual({ err: null, address: '93.184.216.34', family: 4 })
  })

  it.each(['private.test', 'mixed.test', 'mapped.test'])(
    'refuses %s with target_not_allowed',
    async (host) => {
      const { err } = await callLookup(createGuardedLookup({ allowPrivate: false, resolve }), host, true)
      expect(err).toBeInstanceOf(JobFailedError)
      expect(err).toMatchObject({ code: 'target_not_allowed' })
      expect(err?.message).toContain(host)
      expect(err?.message).not.toContain('10.0.0.5') // internal DNS answers are not echoed back
    },
  )

  it('lets private answers through when the operator allows them', async () => {
    const { err, address } = await callLookup(
      createGuardedLookup({ allowPrivate: true, resolve }),
      'mixed.test',
      true,
    )
    expect(err).toBeNull()
    expect(address).toHaveLength(2)
  })

  it('refuses a name that does not resolve exactly as one that resolves privately (no DNS oracle)', async () => {
    const failing: Resolver = async () => {
      throw Object.assign(new Error('boom'), { code: 'EAI_AGAIN' })
    }
    const lookup = createGuardedLookup({ allowPrivate: false, resolve })
    const shown = async (l: LookupFunction, host: string) => {
      const { err } = await callLookup(l, host, true)
      return { name: err?.name, code: err?.code, message: err?.message.replace(host, 'HOST') }
    }
    const privately = await shown(lookup, 'private.test')
    expect(privately).toMatchObject({ name: 'JobFailedError', code: 'target_not_allowed' })
    expect(await shown(lookup, 'nowhere.test')).toEqual(privately) // an empty answer
    expect(await shown(createGuardedLookup({ allowPrivate: false, resolve: failing }), 'x.test')).toEqual(
      privately,
    )
  })

  it('with private targets allowed, reports resolution failures as they are, with the requested family', async () => {
    const seen: unknown[] = []
    const failing: Resolver = async (hostname, options) => {
      seen.push({ hostname, options })
      throw Object.assign(new Error('boom'), { code: 'EAI_AGAIN' })
    }
    const lookup = createGuardedLookup({ allowPrivate: true, resolve: failing })
    const err = await new Promise((resolve) => lookup('x.test', { family: 6, all: true }, (e) => resolve(e)))
    expect(err).toMatchObject({ code: 'EAI_AGAIN' })
    expect(seen).toEqual([{ hostname: 'x.test', options: { family: 6 } }])
    const empty = await callLookup(createGuardedLookup({ allowPrivate: true, resolve }), 'nowhere.test', true)
    expect(empty.err).toMatchObject({ code: 'ENOTFOUND' })
  })

  it('checks every resolution anew, so a name that rebinds to a private address is refused', async () => {
    let calls = 0
    const rebinding: Resolver = async () => [
      { address: calls++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 },
    ]
    const lookup = createGuardedLookup({ allowPrivate: false, resolve: rebinding })
    expect((await callLookup(lookup, 'rebind.test', true)).err).toBeNull()
    expect((await callLookup(lookup, 'rebind.test', true)).err).toMatchObject({ code: 'target_not_allowed' })
  })
})
