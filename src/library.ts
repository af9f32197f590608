import type { FastifyInstance } from 'fastify'
import { type EmbedOptions, EmbedOptionsSchema, embeddedEnv, parseOptions } from './options.ts'

export type JobvisorOptions = EmbedOptions

/** jobvisor embedded in a program: the service of `npm start`, started and stopped by the caller. */
export interface Jobvisor {
  /** The Fastify app (routes, hooks); `app.inject` works before `start()`. */
  readonly app: FastifyInstance
  /** Listens on JOBVISOR_HOST:JOBVISOR_PORT; resolves to the base URL, e.g. `http://127.0.0.1:3000`. */
  start(): Promise<string>
  /** Shuts down as SIGTERM does (SPEC §8): drain within the grace, close HTTP and the store. */
  stop(): Promise<void>
}

/**
 * SPEC §9. Builds the whole service — store, engine, scheduler, app — with `types` added to the
 * built-ins and `env` over `process.env`. Jobs start running at once; `start()` only listens.
 * A bad setting throws a ConfigError naming the variable, a bad type a TypeModuleError naming it.
 * The service's modules are imported here, not at the top: a worker thread that imports
 * `jobvisor` for `defineJobType` loads none of Fastify, SQLite or pino.
 */
export async function createJobvisor(options: JobvisorOptions = {}): Promise<Jobvisor> {
  const { types, env } = parseOptions(EmbedOptionsSchema, options, 'createJobvisor')
  const [{ checkBind }, { ConfigError, loadConfig }, { createLogger }, { createService }] = await Promise.all(
    [import('./bind.ts'), import('./config.ts'), import('./logger.ts'), import('./service.ts')],
  )
  const config = loadConfig(embeddedEnv(env))
  const bind = checkBind(config)
  // Refused before anything opens, as server.ts refuses before it starts.
  if (bind && 'refusal' in bind) throw new ConfigError(bind.refusal)
  const logger = createLogger({ level: config.JOBVISOR_LOG_LEVEL, pretty: config.JOBVISOR_LOG_PRETTY })
  if (bind) logger.warn({ host: config.JOBVISOR_HOST }, bind.warning)
  const service = await createService(config, logger, { types: types as JobvisorOptions['types'] })
  return {
    app: service.app,
    start: () => service.app.listen({ host: config.JOBVISOR_HOST, port: config.JOBVISOR_PORT }),
    stop: () => service.shutdown(),
  }
}
