# The Sluice image: one image for `sluice run` (the operator, the default), `sluice webhook` and
# `sluice loadtester`. Multi-stage: the build stage compiles src/ to lib/ and keeps production
# dependencies only; the runtime stage has Node 20, lib/, bin/ and node_modules, runs as the
# nonroot user 65532 and writes nothing outside /tmp (read-only root filesystem).
#
# Where a registry is reachable:   docker build -t sluice .
# Here (no registry, no daemon):   npm run image   (build/image.sh: buildah, local Node 20 bases)
ARG BUILD_IMAGE=node:20-bookworm
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# Dependencies first: this layer is reused while package-lock.json stays the same.
COPY package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY bin ./bin
COPY build/bundle-operator.mjs ./build/
# No source maps or declarations: the image runs lib/, nobody compiles against it. Then the
# operator's bundle (lib/bundle, what bin/sluice.js runs: no module hook thread).
RUN npx tsc -p tsconfig.json --sourceMap false --declaration false \
 && node build/bundle-operator.mjs \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE_IMAGE}
ARG VERSION=dev
LABEL org.opencontainers.image.title="sluice" \
      org.opencontainers.image.description="Progressive delivery operator for Kubernetes, compatible with flagger.app/v1beta1 Canaries" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/lib ./lib
COPY --from=build /src/bin ./bin
# The dashboard's page (`sluice run --dashboard-port`, Helm's dashboard.port).
COPY web ./web
ENV NODE_ENV=production
USER 65532:65532
EXPOSE 8080 9443
# V8 flags for a long-running controller: bin/node-flags.json (the bench runs the operator with the same).
ENTRYPOINT ["node", "--max-semi-space-size=2", "--optimize-for-size", "--no-opt", "--liftoff-only", "/app/bin/sluice.js"]
CMD ["run"]
