# Multi-stage build: compile TypeScript with the dev dependencies, ship only the output and the
# production dependencies, run as the unprivileged `node` user. Node 24 is the Active LTS (security
# support until April 2028; Node 20 ended in April 2026). test/integration/build.test.ts checks
# the same build, start and operator commands without Docker; compose.yaml runs it as `api` and
# `worker` replicas (docs/operations.md).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY connectors connectors
COPY schemas schemas
COPY config config
# The operators' console (Preact + Vite) is built here into dist/console, where the compiled
# routes look for it; Vite and tsx are dev dependencies, gone after the prune.
COPY console console
COPY scripts scripts
RUN npm run build && npm run build:console && npm prune --omit=dev

FROM node:24-bookworm-slim
# The image listens on every address, so it starts with the sandbox OFF: no simulators, no demo key.
# It needs, as environment or *_FILE secrets (docs/operations.md, README "Configuration"):
#   DATABASE_URL, REDIS_URL, AUDIT_HASH_KEY (optionally AUDIT_CHAIN_KEY), LGSP_CONFIG (clients with key hashes),
#   LGSP_CONNECTORS__<ID>__BASE_URL and the credentials of every enabled connector,
#   LGSP_WEBHOOKS__NATIONAL_PORTAL__SECRETS.
# A demo container must say so: LGSP_SANDBOX__ENABLED=true.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 LGSP_SANDBOX__ENABLED=false
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules node_modules
COPY --from=build --chown=node:node /app/dist dist
# config/default.json is read relative to the compiled code.
COPY --from=build --chown=node:node /app/config dist/config
COPY --chown=node:node package.json ./
# The operator commands run the compiled code here (the repository's scripts run the sources with
# tsx, which the image does not ship): `npm run audit:verify`, `edxml:inspect`, `config:show`,
# `indicators:rebuild`.
RUN npm pkg set \
      'scripts.start=node dist/src/main.js start' \
      'scripts.audit:verify=node dist/src/main.js audit:verify' \
      'scripts.edxml:inspect=node dist/src/main.js edxml:inspect' \
      'scripts.config:show=node dist/src/main.js config:show' \
      'scripts.indicators:rebuild=node dist/src/main.js indicators:rebuild' \
  && npm pkg delete scripts.prestart scripts.build scripts.build:console scripts.typecheck scripts.test scripts.bench \
  && mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js", "start"]
