#!/bin/sh
':' //# sh and JavaScript at once: sh runs the next command, node skips this line; exec /usr/bin/env node --max-semi-space-size=32 "$0" "$@"
// `npx jobvisor`: the server of `npm start` — the same environment (JOBVISOR_*) and the same node
// flag (package.json `start`, the Dockerfile's CMD, bench/lib/child.ts). A `#!/usr/bin/env node`
// line cannot pass the flag (Linux gives env one argument, and `env -S` is missing in busybox);
// so sh starts, and `exec` replaces it with node: one process, which SIGTERM reaches directly.
import '../dist/server.js'
