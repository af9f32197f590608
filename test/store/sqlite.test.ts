import { openSqlite } from '../../src/store/sqlite/index.ts'
import { describeStoreContract } from './contract.ts'

describeStoreContract('sqlite', () => openSqlite(':memory:'))
