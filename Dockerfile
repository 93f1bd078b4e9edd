# syntax=docker/dockerfile:1
#
# One image for the three tidegate processes; the command picks the process:
#   gateway (default)  node dist/stack/main.js
#   delivery runner    node dist/transforms/delivery/main.js
#   simulator          node dist/device-sim/cli.js
# Every setting is an environment variable (TIDEGATE_*, AWS_*; see README "Configuration" and --help).
#
#   docker build -t tidegate .

ARG NODE_IMAGE=node:24-bookworm-slim

# ── production dependencies only ─────────────────────────────────────────────────────────────────────────────
# leveldown (the embedded Kinesis store of local mode) ships prebuilt binaries for linux x64/arm64 (glibc), so no
# compiler is needed here. --omit=optional: the one optional dependency is aws-lambda-ric, which only the tests use
# and which would try (and fail) to compile here. (The build stage below may try too: npm skips it when it fails.)
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

# ── compile TypeScript ───────────────────────────────────────────────────────────────────────────────────────
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.dashboard.json ./
COPY common common
COPY gateway gateway
COPY stack stack
COPY transforms transforms
COPY device-sim device-sim
RUN npm run build

# ── runtime ──────────────────────────────────────────────────────────────────────────────────────────────────
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    TIDEGATE_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json: "type": "module" for dist/, and the simulator finds the project root (and the catalog) by it.
COPY package.json ./
# The device catalog: bundled into dist/ for the transform, read from here by the simulator (--catalog overrides).
COPY transforms/catalog.json ./transforms/catalog.json
COPY deploy/docker/healthcheck.mjs ./deploy/docker/healthcheck.mjs
# The data directory (spool, dead letters, checkpoints, the embedded stores of local mode) belongs to the
# unprivileged user; mount a volume there to keep it across container restarts.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# MQTT, HTTP (/metrics, /healthz, /readyz)
EXPOSE 1883 8080
# /healthz of the gateway or the delivery runner on TIDEGATE_HTTP_PORT; the simulator's service overrides it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "deploy/docker/healthcheck.mjs", "/healthz"]
# Node is PID 1 and handles SIGTERM itself (graceful flush); allow --shutdown-timeout-ms (30 s) before SIGKILL.
STOPSIGNAL SIGTERM
CMD ["node", "dist/stack/main.js"]
