import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineJobType } from '../../src/jobs/define.ts'
import { JobTypeRegistry } from '../../src/jobs/registry.ts'
import { Slots } from '../../src/jobs/slots.ts'

const registry = () =>
  new JobTypeRegistry().register(
    defineJobType({
      name: 'one',
      description: 'at most one',
      params: z.object({}),
      concurrency: 1,
      run: async () => null,
    }),
  )

describe('Slots: who may skip the queue', () => {
  it('nobody until a claim has found the queue empty, with nothing queued meanwhile', async () => {
    const slots = new Slots(2, registry(), true)
    expect(slots.reserve('x')).toBe(false)
    const before = slots.generation
    let release: () => void = () => {}
    const queueing = slots.whileQueueing(() => new Promise<void>((resolve) => (release = resolve)))
    slots.claimedNothing(before, []) // a job was being queued while that claim ran
    expect(slots.reserve('x')).toBe(false)
    release()
    await queueing
    slots.claimedNothing(slots.generation, [])
    expect(slots.reserve('x')).toBe(true)
  })

  it('never beyond the global or the per-type limit, reservations included', () => {
    const slots = new Slots(2, registry(), true)
    slots.claimedNothing(slots.generation, [])
    expect(slots.reserve('one')).toBe(true)
    expect(slots.reserve('one')).toBe(false)
    expect(slots.typeRoom()).toEqual({ excludeTypes: ['one'], typeRoom: {} })
    expect(slots.reserve('x')).toBe(true)
    expect(slots.free).toBe(0)
    expect(slots.reserve('x')).toBe(false)
    slots.unreserve('one')
    slots.started('one')
    expect(slots.free).toBe(0)
    slots.ended('one')
    expect(slots.typeRoom()).toEqual({ excludeTypes: [], typeRoom: { one: 1 } })
  })

  it('a restricted claim, or a store shared with other processes, proves nothing', () => {
    const restricted = new Slots(2, registry(), true)
    restricted.claimedNothing(restricted.generation, ['one'])
    expect(restricted.reserve('x')).toBe(false)
    const shared = new Slots(2, registry(), false)
    shared.claimedNothing(shared.generation, [])
    expect(shared.reserve('x')).toBe(false)
  })

  it('a restricted claim that found nothing: only held-back jobs are queued, until a job may be queued', async () => {
    const slots = new Slots(2, registry(), true)
    expect(slots.queueOnlyHeldBack).toBe(false)
    slots.claimedNothing(slots.generation, ['one'])
    expect(slots.queueOnlyHeldBack).toBe(true)
    // Claims and slots of the held-back type do not change what is queued; a create may.
    slots.started('one')
    slots.ended('one')
    expect(slots.queueOnlyHeldBack).toBe(true)
    await slots.whileQueueing(async () => {})
    expect(slots.queueOnlyHeldBack).toBe(false)
    // Not from a claim that raced a queueing write, nor on a store shared with other processes.
    const before = slots.generation
    await slots.whileQueueing(async () => {})
    slots.claimedNothing(before, ['one'])
    expect(slots.queueOnlyHeldBack).toBe(false)
    const shared = new Slots(2, registry(), false)
    shared.claimedNothing(shared.generation, ['one'])
    expect(shared.queueOnlyHeldBack).toBe(false)
  })

  it('while only held-back jobs are queued, a claim asks for no more than those types have room for', async () => {
    const twoTypes = registry().register(
      defineJobType({
        name: 'two',
        description: 'at most two',
        params: z.object({}),
        concurrency: 2,
        run: async () => null,
      }),
    )
    const slots = new Slots(10, twoTypes, true)
    const limit = () => slots.claimLimit(256, slots.typeRoom().typeRoom)
    expect(limit()).toBe(10)
    expect(slots.claimLimit(4, slots.typeRoom().typeRoom)).toBe(4)
    // `one` is full and was held back; `two` has room, but none of its jobs is queued.
    slots.started('one')
    slots.claimedNothing(slots.generation, ['one'])
    expect(limit()).toBe(0)
    slots.settled('one')
    expect(limit()).toBe(1)
    slots.stored('one')
    // A write that may queue any job: the free slots again.
    await slots.whileQueueing(async () => {})
    expect(limit()).toBe(10)
  })

  it('a settled attempt frees its slot for a claim at once, for a create only once its outcome is stored', () => {
    const slots = new Slots(1, registry(), true)
    slots.claimedNothing(slots.generation, [])
    slots.started('one')
    expect(slots.free).toBe(0)
    slots.settled('one')
    // A claim may overlap the outcome write (the runner starts what it took after the write)…
    expect(slots.free).toBe(1)
    expect(slots.typeRoom()).toEqual({ excludeTypes: [], typeRoom: { one: 1 } })
    // …a create would start at once, beside the attempt whose outcome is not stored yet.
    expect(slots.reserve('x')).toBe(false)
    slots.stored('one')
    expect(slots.reserve('x')).toBe(true)
  })
})
