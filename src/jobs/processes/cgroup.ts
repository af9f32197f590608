import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The cgroup v2 directory this process is in, from /proc/self/cgroup and /proc/self/mountinfo. */
function ownCgroupDir(): string {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'))
  if (line === undefined) throw new Error('this process is in no cgroup v2 hierarchy')
  const path = line.slice(3)
  for (const mount of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [before, after] = mount.split(' - ')
    if (!after?.startsWith('cgroup2 ')) continue
    // mountinfo fields: id parent dev root mountpoint …; `root` is where in the hierarchy the mount starts.
    const [, , , root, mountPoint] = (before ?? '').split(' ')
    if (root === undefined || mountPoint === undefined) continue
    if (path === root || path.startsWith(root === '/' ? '/' : `${root}/`)) {
      return join(mountPoint, path.slice(root === '/' ? 0 : root.length))
    }
  }
  throw new Error(`no cgroup2 mount holds ${path}`)
}

/**
 * Containment of command runs in cgroups v2: every process a run starts stays in its cgroup,
 * including those that leave its process group with setsid(), so ending the cgroup ends them all.
 *
 * A child is placed in its cgroup without a race: the service moves itself into the run's cgroup,
 * forks (spawn is synchronous), and moves itself back, so the child is born inside. Needs write
 * access to this process's own cgroup (root on a host, or a delegated/writable cgroupfs).
 */
export class Cgroups {
  /** This process's own cgroup; run cgroups are created beneath it. */
  readonly base: string

  private constructor(base: string) {
    this.base = base
  }

  /** The containment if this process may create cgroups and move itself (tried once, at start), else why not. */
  static detect(): Cgroups | { unavailable: string } {
    let cgroups: Cgroups
    try {
      cgroups = new Cgroups(ownCgroupDir())
      const probe = cgroups.create(`jobvisor-probe-${process.pid}-${randomBytes(3).toString('hex')}`)
      try {
        cgroups.spawnInside(probe, () => undefined)
      } finally {
        removeCgroup(probe)
      }
    } catch (err) {
      return { unavailable: err instanceof Error ? err.message : String(err) }
    }
    return cgroups
  }

  /** Creates a run cgroup named `name` under {@link base}; returns its directory. */
  create(name: string): string {
    const dir = join(this.base, name)
    mkdirSync(dir)
    return dir
  }

  /** Runs `fork` (a synchronous spawn) with this process inside `dir`, so the child is born there. */
  spawnInside<T>(dir: string, fork: () => T): T {
    writeFileSync(join(dir, 'cgroup.procs'), String(process.pid))
    try {
      return fork()
    } finally {
      writeFileSync(join(this.base, 'cgroup.procs'), String(process.pid))
    }
  }
}

/** Pids in the cgroup `dir` (processes that exited are no longer listed, zombies included). */
export function cgroupPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/** Sends `signal` to every process in `dir`; SIGKILL goes through cgroup.kill (no fork can slip out). */
export function signalCgroup(dir: string, signal: NodeJS.Signals): void {
  if (signal === 'SIGKILL' && existsSync(join(dir, 'cgroup.kill'))) {
    try {
      writeFileSync(join(dir, 'cgroup.kill'), '1')
      return
    } catch {}
  }
  for (const pid of cgroupPids(dir)) {
    try {
      process.kill(pid, signal)
    } catch {}
  }
}

/** Removes an empty run cgroup; false when it is still populated or already gone. */
export function removeCgroup(dir: string): boolean {
  try {
    rmdirSync(dir)
    return true
  } catch {
    return false
  }
}
