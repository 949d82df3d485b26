# syntax=docker/dockerfile:1
# SubStream image: one image, four roles (api, indexer, projector, relay) chosen by the command.
#   docker build -t substream .
#   docker run -e DATABASE_URL=postgres://… -p 3000:3000 substream              # serve
#   docker run -e DATABASE_URL=postgres://… substream index --follow            # indexer
# The container needs DATABASE_URL: the embedded PostgreSQL binaries are not installed.

ARG NODE_IMAGE=node:24-alpine

# ---- build: all dependencies, typecheck and architecture check, then the files to ship --------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The SDK is an npm workspace: its manifest is part of the install, its sources of the typecheck.
COPY sdk/package.json ./sdk/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY api ./api
COPY bin ./bin
COPY commands ./commands
COPY domain ./domain
COPY eventstore ./eventstore
COPY indexer ./indexer
COPY integration ./integration
COPY migrations ./migrations
COPY platform ./platform
COPY projections ./projections
COPY ops ./ops
COPY bench ./bench
COPY tests ./tests
COPY sdk ./sdk
RUN npm run typecheck && npm run arch \
 && mkdir /app \
 && cp -r package.json package-lock.json api bin commands domain eventstore indexer integration migrations platform projections /app/

# ---- runtime: production dependencies only, non-root ------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
WORKDIR /app
RUN addgroup -S -g 1001 substream && adduser -S -u 1001 -G substream -h /app substream
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /src/ops/prune-production.ts /tmp/
# --omit=optional leaves out the embedded PostgreSQL binaries (60 MB, glibc-only): containers
# always use DATABASE_URL. No install script is needed by what remains. The prune (type
# declarations, source maps, docs, folders no resolution reaches: 145 → 37 MB)
# runs in the same RUN, so the deleted files never reach a layer.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && node /tmp/prune-production.ts node_modules \
 && rm /tmp/prune-production.ts \
 && npm cache clean --force
COPY --from=build /app ./
RUN mkdir -p /app/data && chown -R 1001:1001 /app/data
USER 1001:1001
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# PID 1 is node itself: SIGTERM reaches platform/shutdown.ts, which stops within 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/substream.ts"]
CMD ["serve"]
