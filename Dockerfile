# syntax=docker/dockerfile:1
# connector-auth-subgraph: multi-stage build on Node 24 LTS (slim).

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json codegen.yml ./
COPY schema ./schema
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    PORT=4001 \
    HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the `node` devDependency is not needed on a Node 24 image.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
USER node
EXPOSE 4001
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4001) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# exec form: node is PID 1's child-free process and receives SIGTERM directly for a graceful drain.
CMD ["node", "dist/index.js"]
