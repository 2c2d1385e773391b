#!/usr/bin/env bash
# Builds (or reuses) Helm v3 for the chart tests, from the Go module proxy (no release download:
# the module proxy is what this machine reaches). The binary goes beside the Kubernetes binaries,
# keyed by version:  ${SLUICE_CACHE:-$HOME/.cache/sluice}/bin/helm-<version>/helm
# Prints that path on stdout (progress goes to stderr); a second run finds it and only prints it.
# About 5 minutes on 2 cores with empty Go caches.
# Usage: test/cluster/build-helm.sh
set -euo pipefail
HELM_VERSION="${SLUICE_HELM_VERSION:-v3.22.0}"
CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
HELM_DIR="$CACHE/bin/helm-$HELM_VERSION"

if [ -x "$HELM_DIR/helm" ]; then echo "$HELM_DIR/helm"; exit 0; fi

start=$(date +%s)
log() { printf '[build-helm %4ss] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }
# A new machine may have no ~/.cache at all: create the cache before anything writes under it.
mkdir -p "$CACHE/bin"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
command -v go >/dev/null 2>&1 || { echo "build-helm.sh needs Go (go install helm.sh/helm/v3/cmd/helm)" >&2; exit 1; }

# Build into a private folder and move it into place at the end, so an interrupted build never
# leaves a half-written binary that the next run would take as cached.
tmp="$(mktemp -d "$CACHE/bin/.helm-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
log "helm $HELM_VERSION: go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION (cold: ~5 minutes on 2 cores)"
GOBIN="$tmp/helm-$HELM_VERSION" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
"$tmp/helm-$HELM_VERSION/helm" version --short >&2
rm -rf "$HELM_DIR"
mv "$tmp/helm-$HELM_VERSION" "$HELM_DIR"
log "helm $HELM_VERSION: built into $HELM_DIR"
echo "$HELM_DIR/helm"
