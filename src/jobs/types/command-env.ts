/**
 * Which environment variables a `command` job may set: an allow-list the operator configures
 * (JOBVISOR_COMMAND_ENV), not a denylist. A denylist is never complete — the dynamic loader, glibc
 * (GCONV_PATH, GLIBC_TUNABLES), every runtime (NODE_PATH, PYTHONPATH, JAVA_TOOL_OPTIONS, …) and
 * every shell read variables that make an allowed program load or run other code, and new ones
 * appear with each release. So a job sets only the names the operator listed, and the list below
 * is what the operator may not list: it turns "may run /usr/local/bin/backup" into "may run anything".
 * Defense in depth, not a sandbox: listing an interpreter (sh, node) already grants arbitrary code.
 */

/** Names (or `PREFIX_*` families) that load code, pick programs or redirect config files. Case-insensitive. */
const FORBIDDEN = [
  // dynamic loaders (glibc, musl, macOS, AIX, HP-UX)
  'LD_*',
  'DYLD_*',
  'LIBPATH',
  'SHLIB_PATH',
  // glibc: charset modules, tunables (CVE-2023-4911), locales, resolver, allocator hooks
  'GCONV_PATH',
  'GLIBC_TUNABLES',
  'LOCPATH',
  'NLSPATH',
  'HOSTALIASES',
  'RES_OPTIONS',
  'LOCALDOMAIN',
  'MALLOC_*',
  // which programs run, and where their dotfiles are read from
  'PATH',
  'HOME',
  'XDG_CONFIG_HOME',
  'XDG_CONFIG_DIRS',
  // shells
  'ENV',
  'BASH_ENV',
  'BASH_FUNC_*',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'IFS',
  'CDPATH',
  'ZDOTDIR',
  'PROMPT_COMMAND',
  // runtimes; node by name so that NODE_ENV stays listable
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'NODE_EXTRA_CA_CERTS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'NODE_ICU_DATA',
  'NODE_V8_COVERAGE',
  'PYTHON*',
  'PERL*',
  'RUBY*',
  'GEM_*',
  'BUNDLE_*',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  'LUA_*',
  'PHPRC',
  'PHP_INI_SCAN_DIR',
  'TCLLIBPATH',
  // tools that run helpers named in variables
  'GIT_*',
  'LESSOPEN',
  'LESSCLOSE',
  'PAGER',
  'EDITOR',
  'VISUAL',
  'BROWSER',
  'SSH_*',
] as const

const ENTRY = /^[A-Za-z_][A-Za-z0-9_]*\*?$/

/** One allow-list entry: an exact name, or a prefix when it ends in `*`. */
interface Pattern {
  prefix: string
  isFamily: boolean
}

const toPattern = (entry: string): Pattern =>
  entry.endsWith('*') ? { prefix: entry.slice(0, -1), isFamily: true } : { prefix: entry, isFamily: false }

const matches = (p: Pattern, name: string): boolean =>
  p.isFamily ? name.startsWith(p.prefix) : name === p.prefix

const forbidden = FORBIDDEN.map((entry) => toPattern(entry.toUpperCase()))

/** True when a job must never set `name`, whatever the allow-list says (`ld_preload` included). */
export const isForbiddenEnv = (name: string): boolean => forbidden.some((p) => matches(p, name.toUpperCase()))

/** Why an operator's entry cannot be allowed, or null when it can: it names or covers a forbidden name. */
export function envEntryProblem(entry: string): string | null {
  if (!ENTRY.test(entry)) return `"${entry}" is not a variable name or a NAME_* prefix`
  const mine = toPattern(entry.toUpperCase())
  // Two patterns overlap when some name matches both.
  const overlaps = (d: Pattern) =>
    mine.isFamily
      ? d.prefix.startsWith(mine.prefix) || (d.isFamily && mine.prefix.startsWith(d.prefix))
      : matches(d, mine.prefix)
  const clash = FORBIDDEN[forbidden.findIndex(overlaps)]
  return clash === undefined
    ? null
    : `"${entry}" would let a job set ${clash}, which makes a program load or run other code`
}

/** The operator's allow-list (JOBVISOR_COMMAND_ENV); throws a TypeError naming a bad entry. */
export class CommandEnvPolicy {
  readonly #allowed: Pattern[]
  /** As configured, for messages. */
  readonly entries: readonly string[]

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const problem = envEntryProblem(entry)
      if (problem) throw new TypeError(`JOBVISOR_COMMAND_ENV: ${problem}`)
    }
    this.entries = entries
    this.#allowed = entries.map(toPattern)
  }

  /** Names are case-sensitive, as the kernel and libc treat them; the forbidden check is not. */
  allows(name: string): boolean {
    return !isForbiddenEnv(name) && this.#allowed.some((p) => matches(p, name))
  }

  /** The validation message for a name this policy refuses. */
  refusal(): string {
    return this.entries.length === 0
      ? 'jobs may not set environment variables (JOBVISOR_COMMAND_ENV is empty)'
      : `not allowed by JOBVISOR_COMMAND_ENV (${this.entries.join(', ')})`
  }
}
