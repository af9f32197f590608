import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { Logger } from 'pino'
import { z } from 'zod'
import { type EmbedOptions, EmbedOptionsSchema, embeddedEnv, parseOptions } from './options.ts'

export interface JobvisorPluginOptions extends EmbedOptions {
  /** Where the API is mounted in the host app (default `/jobvisor`): `/jobvisor/v1/jobs`, `/jobvisor/healthz`… */
  prefix?: string
  /** Logger for the engine and the jobs (default: the host's `app.log`). */
  logger?: Logger
}

/** A prefix of its own: at the root, the API's 404 handler would answer for every host path. */
const Prefix = z
  .string()
  .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'expected a path such as /jobvisor (no trailing slash, not /)')
  .default('/jobvisor')

const PluginOptionsSchema = EmbedOptionsSchema.extend({
  prefix: Prefix,
  logger: z
    .custom<Logger>((v) => typeof (v as Logger | null)?.child === 'function', 'expected a pino logger')
    .optional(),
})

const plugin: FastifyPluginAsync<JobvisorPluginOptions> = async (app, options) => {
  const { types, env, prefix, logger: given } = parseOptions(PluginOptionsSchema, options, 'jobvisorPlugin')
  // Imported here, not at the top: `import 'jobvisor'` in a worker thread must stay light.
  const [{ loadConfig }, { createService }] = await Promise.all([
    import('./config.ts'),
    import('./service.ts'),
  ])
  const config = loadConfig(embeddedEnv(env))
  const logger = given ?? (app.log as Logger)
  const service = await createService(config, logger, {
    types: types as EmbedOptions['types'],
    host: { app, prefix },
  })
  // The host's lifecycle is the service's: jobs start running when it is ready, drain when it closes.
  app.addHook('onReady', () => service.start())
  app.addHook('onClose', () => service.shutdown())
}

/**
 * SPEC §9: mounts the API into an existing Fastify app under `prefix`. Wrapped with fastify-plugin
 * only for its name and the lifecycle hooks on the host; the API itself runs in an encapsulated
 * child (see app.ts `jobvisorApi`), so the host's parsers, error handler, 404s, request ids and
 * hooks are untouched. Server-wide settings (`return503OnClosing`, `forceCloseConnections`,
 * `frameworkErrors`, request ids) stay the host's.
 */
export const jobvisorPlugin = fp(plugin, { name: 'jobvisor', fastify: '5.x' })
