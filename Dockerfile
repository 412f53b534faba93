# syntax=docker/dockerfile:1
# connector-auth-subgraph: multi-stage build on Node 24 LTS (slim). Deployment: docs/deploy.md.
# For reproducible builds pin the base by digest (node:24-slim@sha256:<digest>) in both stages;
# test/dockerfile.test.ts accepts either form and checks the rules below statically.

# --- build: type-check src/ and bundle it into dist/ (`npm run build`, scripts/build.ts) -------------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Every dependency (tsc, rolldown, @types/node). --ignore-scripts: building needs no install script
# (rolldown's native binary is a per-platform optional dependency), and the `node` devDependency's
# would only download a second Node binary into node_modules/.bin.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts ./scripts/
COPY src ./src
# The image's own Node 24 runs both steps (`npx` would put node_modules/.bin first on PATH): tsc
# refuses code that does not type-check, then rolldown writes dist/index.js, its chunks and their
# source maps. Why a bundle: docs/performance.md, *Memory*.
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json && node scripts/build.ts

# --- runtime: production dependencies, the bundle and the SDL ------------------------------------
FROM node:24-slim AS runtime
# jemalloc, Debian's package, as the process's malloc (LD_PRELOAD below). Node's own memory outside
# the V8 heap (buffers, the compiler's zones, libuv, undici's parser) churns under load; glibc's
# malloc keeps what it freed, jemalloc hands it back to the system within about a second. In an
# interleaved run that was 13-18 MB less resident under load for the same CPU (docs/performance.md).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libjemalloc2 \
    && rm -rf /var/lib/apt/lists/*
# No secrets and no deployment settings here: those come from the environment at run time.
# LD_PRELOAD names the library, not a path, so the loader finds it in this architecture's directory.
# MALLOC_CONF: a background thread returns freed pages after 1 s (dirty) and at once after that
# (muzzy), and two arenas are enough for this process (jemalloc would make 4 per CPU).
ENV NODE_ENV=production \
    PORT=4001 \
    HOST=0.0.0.0 \
    LD_PRELOAD=libjemalloc.so.2 \
    MALLOC_CONF=background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:2
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only (never the `node` devDependency). The bundle loads a few of them at
# run time: pino and pino-pretty, undici's WebAssembly parsers, and the GraphiQL page's files
# (scripts/build.ts).
# No production dependency needs an install script (the only one with a script, @apollo/protobufjs,
# just prepares its unused CLI).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The bundle reads the SDL files from ../schema/ relative to itself at start-up (src/schema.ts): /app/schema.
COPY schema ./schema
# The base image's `node` user (uid/gid 1000), numeric so Kubernetes can verify runAsNonRoot.
# Every file above stays root-owned and read-only to the process.
USER 1000:1000
EXPOSE 4001
# For Docker and ECS; Kubernetes ignores HEALTHCHECK and uses the probes in deploy/kubernetes.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4001) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 with no shell in between, so SIGTERM reaches its handler and the
# graceful drain runs (readiness fails, in-flight requests finish, then exit). It starts no child
# processes, so no init process is needed.
# The heap options (docs/performance.md, *Memory*): a 32 MB young generation (16 MB semi-spaces),
# and an old generation that starts at 32 MB and grows by 40 % after each collection instead of
# up to 4x. In a 512 MiB container, where V8 would pick a 2 MB young generation, they give 1.4-3.1x
# the throughput; on a large host with no limit, about 150-160 MB RSS under load instead of
# 370-410 MB, for more garbage collection on lists and batches. They set no hard cap: Node still
# sizes the heap's ceiling from the memory limit. `--no-allocation-site-pretenuring` stops V8 from
# allocating short-lived request data straight into the old generation once its first executions
# have made it guess otherwise (16 % less CPU on _entities batches in an interleaved run).
# `npm run start:dist` uses the same options.
CMD ["node", "--max-semi-space-size=16", "--initial-old-space-size=32", "--heap-growing-percent=40", "--no-allocation-site-pretenuring", "dist/index.js"]
