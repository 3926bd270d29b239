# syntax=docker/dockerfile:1
# The image of every part (platform-service, commands-service, gateway, and each service added
# with `npm run new:service`). Build from the repository root (the build context), naming the part
# and the ports it listens on (its HTTP port first), as compose.yaml does for each part:
#   docker build --build-arg PART=platform-service --build-arg PORTS="5000 5001" -t contract-first/platform-service:dev .
# The part runs compiled ahead of time (dist/main.js, tools/build/build-part.ts): one ESM file
# instead of Node stripping types from about 1,300 modules at start, which saves tens of MB of
# idle memory. Its sources and gen/ stay in the image for the migrate command.

# --- build: every dependency (dev tooling included), gen/ from contracts/, every part compiled --
FROM node:24-slim AS build
WORKDIR /app
ENV PUPPETEER_SKIP_DOWNLOAD=1
COPY . .
# The root postinstall runs `npm run generate` (buf + protoc-gen-es, openapi-typescript, AsyncAPI generator).
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund \
 && test -f gen/package.json \
 && npm run build:parts

# --- runtime: production dependencies of the runtime and the part, its folder, gen/, contracts/ --
FROM node:24-slim AS runtime
ARG PART
ARG PORTS
ENV NODE_ENV=production PORTS="${PORTS}" MALLOC_ARENA_MAX=2
WORKDIR /app
# npm ci needs every workspace's package.json (the lockfile names them all); one line per workspace.
COPY package.json package-lock.json .npmrc ./
COPY tools/package.json tools/
COPY runtime/package.json runtime/
COPY platform-service/package.json platform-service/
COPY commands-service/package.json commands-service/
COPY gateway/package.json gateway/
# --ignore-scripts: the root postinstall would run the generators, which are dev tooling; gen/ comes from the build stage.
RUN --mount=type=cache,target=/root/.npm test -n "${PART}" -a -n "${PORTS}" \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund -w runtime -w ${PART} \
 && mkdir -p node_modules/@platform \
 && ln -s ../../gen node_modules/@platform/gen
COPY --from=build /app/gen gen
COPY runtime/src runtime/src
# The runtime's own generated code (gRPC health and reflection), written by `npm run generate` in the build stage.
COPY --from=build /app/runtime/src/generated runtime/src/generated
# The part's folder: src/, and migrations/ when it has a database (.dockerignore drops its tests).
COPY ${PART} ${PART}
# The part compiled in the build stage: what CMD runs.
COPY --from=build /app/${PART}/dist ${PART}/dist
# The gateway serves and routes by the contracts (CONTRACTS_DIR defaults to /app/contracts).
COPY contracts contracts
USER node
WORKDIR /app/${PART}
EXPOSE ${PORTS}
# Liveness for plain Docker; Kubernetes uses its own probes. HTTP_PORT, else the first of PORTS.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HTTP_PORT || process.env.PORTS.split(' ')[0]}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (the services drain on it). Zombie reaping
# is not needed (no child processes); with plain Docker `--init` adds tini anyway.
# --min/--max-semi-space-size and MALLOC_ARENA_MAX: see productionNodeFlags and productionEnvironment in
# tools/build/build-part.ts (idle memory, issue 18); the ENV is set above, compose.yaml's services inherit it.
CMD ["node", "--min-semi-space-size=4", "--max-semi-space-size=16", "dist/main.js"]
