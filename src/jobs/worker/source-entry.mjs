// The worker entry when jobvisor runs from its TypeScript source (tests, `npm run dev`); the build
// uses entry.js directly. Node 20 does not pass loader hooks given with `--import tsx` on to
// worker threads, so the thread registers tsx (a dev dependency) itself before loading entry.ts.
import { register } from 'tsx/esm/api'

register()
const { default: runTask } = await import('./entry.ts')
export default runTask
