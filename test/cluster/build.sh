#!/usr/bin/env bash
# Builds (or reuses) the binaries of the local test control plane:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (Go module k8s.io/kubernetes,
#       through the wrapper module test/cluster/kubebin whose staging replace lines this script generates)
#   kwok                                                               (go install sigs.k8s.io/kwok/cmd/kwok)
#   etcd, prometheus                                                   (Debian packages, installed if missing)
#   buildah, podman, runc                                              (Debian packages: the image and its e2e)
#   graphite-web, graphite-carbon, victoria-metrics                    (Debian packages: metric backends the tests query)
#   helm                                                               (test/cluster/build-helm.sh)
# Binaries go to a cache outside the repository, keyed by version:
#   ${SLUICE_CACHE:-$HOME/.cache/sluice}/bin/k8s-<version>/  and  .../bin/kwok-<version>/
# A second run finds them and does nothing. Prints progress and the elapsed time.
# Usage: test/cluster/build.sh [--print-env | --prerequisites]
#   --print-env      only print the resolved paths as KEY=VALUE
#   --prerequisites  only the cache folder and the Debian packages (what a new machine lacks first;
#                    test/unit/cluster checks it with a HOME that does not exist)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
K8S_VERSION="${SLUICE_K8S_VERSION:-v1.36.3}"
KWOK_VERSION="${SLUICE_KWOK_VERSION:-v0.8.0}"
CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
K8S_BIN="$CACHE/bin/k8s-$K8S_VERSION"
KWOK_DIR="$CACHE/bin/kwok-$KWOK_VERSION"
K8S_TOOLS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

print_env() {
  echo "K8S_VERSION=$K8S_VERSION"
  echo "KWOK_VERSION=$KWOK_VERSION"
  echo "K8S_BIN=$K8S_BIN"
  echo "KWOK_DIR=$KWOK_DIR"
  echo "ETCD_BIN=$(command -v etcd || echo /usr/bin/etcd)"
  echo "PROMETHEUS_BIN=$(command -v prometheus || echo /usr/bin/prometheus)"
  echo "HELM_BIN=$CACHE/bin/helm-${SLUICE_HELM_VERSION:-v3.22.0}/helm"
}
if [ "${1:-}" = "--print-env" ]; then print_env; exit 0; fi

start=$(date +%s)
log() { printf '[build %4ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
# A new machine may have no ~/.cache at all: everything below writes under $CACHE (and $CACHE.apt.log
# beside it), so create it before the first write.
mkdir -p "$CACHE"

# ---- Debian packages: etcd (etcd-server) and prometheus -------------------------------------
need_pkgs=()
command -v etcd >/dev/null 2>&1 || need_pkgs+=(etcd-server)
command -v prometheus >/dev/null 2>&1 || need_pkgs+=(prometheus)
# The image (npm run image) and its in-cluster e2e: buildah builds, podman runs with runc (crun
# refuses this machine's cgroup set-up).
command -v buildah >/dev/null 2>&1 || need_pkgs+=(buildah)
command -v podman >/dev/null 2>&1 || need_pkgs+=(podman)
command -v runc >/dev/null 2>&1 || need_pkgs+=(runc)
# Metric backends besides Prometheus that the integration and e2e tests run for real: Graphite
# (carbon stores, graphite-web answers /render) and VictoriaMetrics (a Prometheus-compatible store).
command -v carbon-cache >/dev/null 2>&1 || need_pkgs+=(graphite-carbon)
command -v graphite-manage >/dev/null 2>&1 || need_pkgs+=(graphite-web)
command -v victoria-metrics >/dev/null 2>&1 || need_pkgs+=(victoria-metrics)
# The dashboard's e2e drives Debian's Chromium through playwright-core (which downloads no browser).
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
# SLUICE_APT_ALWAYS=1 runs the install even when everything is there (a no-op for apt): the
# new-machine test uses it, so the branch a new machine takes runs on every machine.
[ "${SLUICE_APT_ALWAYS:-0}" = 1 ] && need_pkgs=(etcd-server prometheus buildah podman runc graphite-carbon graphite-web victoria-metrics chromium)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_pkgs[*]}"
  # The packages' own services (systemd units / init scripts) must not start or matter:
  # policy-rc.d refuses every service start during the install; we run our own processes
  # on other ports anyway.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; created_policy=1
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}" >"$CACHE.apt.log" 2>&1; then
    log "apt-get install failed; running apt-get update and retrying"
    $SUDO apt-get update >>"$CACHE.apt.log" 2>&1 || true
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}" >>"$CACHE.apt.log" 2>&1 \
      || { [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; echo "apt-get install failed, see $CACHE.apt.log" >&2; exit 1; }
  fi
  [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  # If an init system started them anyway, stop the package services (they would use the default ports).
  for svc in etcd prometheus prometheus-node-exporter carbon-cache victoria-metrics; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
      systemctl stop "$svc" >/dev/null 2>&1 || true; systemctl disable "$svc" >/dev/null 2>&1 || true
    fi
  done
fi
log "etcd: $(etcd --version 2>/dev/null | head -1)"
log "prometheus: $(prometheus --version 2>&1 | head -1)"
log "buildah: $(buildah --version 2>/dev/null | head -1); podman: $(podman --version 2>/dev/null | head -1)"
log "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
log "graphite: $(dpkg-query -W -f '${Version}' graphite-web 2>/dev/null); victoria-metrics: $(victoria-metrics -version 2>/dev/null | head -1)"
if [ "${1:-}" = "--prerequisites" ]; then log "prerequisites ready in $CACHE"; exit 0; fi

# ---- Kubernetes binaries ---------------------------------------------------------------------
have_k8s=1
for t in "${K8S_TOOLS[@]}"; do [ -x "$K8S_BIN/$t" ] || have_k8s=0; done
if [ $have_k8s = 1 ]; then
  log "kubernetes $K8S_VERSION: cached in $K8S_BIN"
else
  log "kubernetes $K8S_VERSION: generating the wrapper module's replace lines from upstream go.mod"
  cd "$here/kubebin"
  upstream_mod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  [ -f "$upstream_mod" ] || { echo "could not download k8s.io/kubernetes@$K8S_VERSION" >&2; exit 1; }
  staging_version="v0.${K8S_VERSION#v1.}"   # Kubernetes v1.Y.Z <-> staging modules v0.Y.Z
  # go.mod is rewritten from scratch every time, so the result does not depend on what was there.
  cat > go.mod <<GOMOD
// Wrapper module that builds kube-apiserver, kube-controller-manager, kube-scheduler and kubectl
// from k8s.io/kubernetes. The replace and godebug lines are generated by test/cluster/build.sh
// from upstream's go.mod; do not edit them by hand.
module sluice.invalid/test/cluster/kubebin

go $(sed -n 's/^go //p' "$upstream_mod")
GOMOD
  for kv in $(sed -n 's/^godebug \(.*=.*\)$/\1/p' "$upstream_mod"); do go mod edit -godebug="$kv"; done
  staging=$(awk '/^require \(/{f=1;next} f&&/^\)/{f=0} f{print}' "$upstream_mod" | awk '$2=="v0.0.0"{print $1}')
  n=0
  for m in $staging; do go mod edit -replace="$m=$m@$staging_version"; n=$((n+1)); done
  log "  $n staging modules replaced at $staging_version"
  go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
  for t in "${K8S_TOOLS[@]}"; do go mod edit -tool="k8s.io/kubernetes/cmd/$t"; done
  log "  go mod tidy (downloads the module graph)"
  go mod tidy
  major="${K8S_VERSION#v}"; major="${major%%.*}"
  minor="${K8S_VERSION#v*.}"; minor="${minor%%.*}"
  bdate="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$bdate"
  done
  tmp="$K8S_BIN.tmp.$$"; rm -rf "$tmp"; mkdir -p "$tmp"
  for t in "${K8S_TOOLS[@]}"; do
    log "  go build $t (cold: several minutes each on 2 cores)"
    go build -p "${SLUICE_BUILD_P:-2}" -trimpath -ldflags "$ldflags" -o "$tmp/$t" "k8s.io/kubernetes/cmd/$t"
    log "  built $t ($(du -h "$tmp/$t" | cut -f1))"
  done
  rm -rf "$K8S_BIN"; mv "$tmp" "$K8S_BIN"
  log "kubernetes $K8S_VERSION: done -> $K8S_BIN"
fi

# ---- kwok ------------------------------------------------------------------------------------
if [ -x "$KWOK_DIR/kwok" ] && [ -d "$KWOK_DIR/stage" ]; then
  log "kwok $KWOK_VERSION: cached in $KWOK_DIR"
else
  log "kwok $KWOK_VERSION: go install sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  tmp="$KWOK_DIR.tmp.$$"; rm -rf "$tmp"; mkdir -p "$tmp/stage"
  GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  # The Stage definitions ship in the module under kustomize/stage/.
  kdir="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
  # Copy the node and pod stages (not their testdata, not the chaos ones).
  for sub in node/fast node/heartbeat node/heartbeat-with-lease pod/fast pod/general; do
    mkdir -p "$tmp/stage/$sub"
    for f in "$kdir/kustomize/stage/$sub"/*.yaml; do
      [ "$(basename "$f")" = kustomization.yaml ] && continue
      cp "$f" "$tmp/stage/$sub/"; chmod u+w "$tmp/stage/$sub/$(basename "$f")"
    done
  done
  rm -rf "$KWOK_DIR"; mv "$tmp" "$KWOK_DIR"
  log "kwok $KWOK_VERSION: done -> $KWOK_DIR"
fi

# ---- helm (the chart tests) ------------------------------------------------------------------
HELM_BIN="$(bash "$here/build-helm.sh")"
log "helm: $HELM_BIN"

log "all binaries ready ($(( $(date +%s) - start ))s total)"
print_env
