// tsc emits only .ts → .js; the SQL migrations are read at run time and must sit beside the adapter.
import { cpSync } from 'node:fs'

cpSync('src/store/sqlite/migrations', 'dist/store/sqlite/migrations', { recursive: true })
