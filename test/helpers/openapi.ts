import { pino } from 'pino'
import { loadConfig } from '../../src/config.ts'
import { createService } from '../../src/service.ts'

/** The OpenAPI document of a default service (built-in types, in-memory store), as committed. */
export async function generateOpenApi(): Promise<string> {
  const service = await createService(loadConfig({ JOBVISOR_DB: ':memory:' }), pino({ level: 'silent' }))
  try {
    await service.app.ready()
    return `${JSON.stringify(service.app.swagger(), null, 2)}\n`
  } finally {
    await service.shutdown(0)
  }
}
