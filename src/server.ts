import { checkBind } from './bind.ts'
import { ConfigError, loadConfig } from './config.ts'
import { ContainmentUnavailableError } from './jobs/processes/command-processes.ts'
import { TypeModuleError } from './jobs/type-modules.ts'
import { createLogger } from './logger.ts'
import { createService } from './service.ts'
import { StoreOpenError } from './store/open.ts'

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`jobvisor: ${err.message}\n`)
    process.exit(2)
  }
  const logger = createLogger({ level: config.JOBVISOR_LOG_LEVEL, pretty: config.JOBVISOR_LOG_PRETTY })

  // SPEC §8 secure default: without tokens, only loopback — unless auth is explicitly off.
  const bind = checkBind(config)
  if (bind && 'refusal' in bind) {
    logger.fatal({ host: config.JOBVISOR_HOST }, bind.refusal)
    process.exit(2)
  }
  if (bind) logger.warn({ host: config.JOBVISOR_HOST }, bind.warning)

  let service: Awaited<ReturnType<typeof createService>>
  try {
    service = await createService(config, logger)
  } catch (err) {
    // SPEC §9: a bad job-type module stops the start like a bad variable does.
    if (err instanceof TypeModuleError) {
      process.stderr.write(`jobvisor: JOBVISOR_TYPES: ${err.message}\n`)
      process.exit(2)
    }
    const variable =
      err instanceof ContainmentUnavailableError
        ? 'JOBVISOR_COMMAND_CONTAINMENT'
        : err instanceof StoreOpenError
          ? 'JOBVISOR_DB'
          : undefined
    if (variable === undefined) throw err
    process.stderr.write(`jobvisor: invalid configuration:\n  ${variable}: ${(err as Error).message}\n`)
    process.exit(2)
  }
  await service.app.listen({ host: config.JOBVISOR_HOST, port: config.JOBVISOR_PORT })

  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1
    if (signals > 1) {
      // Second signal: leave now. SQLite's WAL keeps the database consistent; running jobs are
      // recovered as interrupted at the next start.
      logger.warn({ signal }, 'second signal: exiting immediately')
      process.exit(130)
    }
    logger.info({ signal, graceMs: config.JOBVISOR_SHUTDOWN_GRACE_MS }, 'shutting down')
    service.shutdown().then(
      () => {
        logger.info('shutdown complete')
        process.exit(0)
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}

main().catch((err: unknown) => {
  process.stderr.write(`jobvisor: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
