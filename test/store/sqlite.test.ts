import { openSqlite } from '../../src/store/sqlite/index.ts'
import { describeStoreContract } from './contract.ts'
import { describeTickContract } from './tick-contract.ts'

describeStoreContract('sqlite', () => openSqlite(':memory:'))
describeTickContract('sqlite', (maxTicks) => openSqlite(':memory:', { maxTicksPerSchedule: maxTicks }))
