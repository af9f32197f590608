# syntax=docker/dockerfile:1
# jobvisor: multi-stage build. The native module (better-sqlite3) is compiled in the build stage;
# the runtime stage has production dependencies only and runs as the unprivileged `node` user.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: `command` runs' orphans are re-parented to PID 1, and node (unlike an init) never
# reaps them, so they would pile up as zombies; tini reaps them and forwards SIGTERM to node.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    JOBVISOR_HOST=0.0.0.0 \
    JOBVISOR_PORT=3000 \
    JOBVISOR_DB=/data/jobvisor.db
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.JOBVISOR_PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
# Exec form: node is tini's only child, so the SIGTERM tini forwards reaches node itself, not a shell or npm.
# A 32 MB young generation: fewer scavenges for a service that allocates per request (+15 % req/s
# in bench P1); the same flag as `npm start` (package.json) and the benchmarks (bench/lib/child.ts).
CMD ["node", "--max-semi-space-size=32", "dist/server.js"]
