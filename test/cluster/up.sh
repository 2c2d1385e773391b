#!/usr/bin/env bash
# Starts the local test control plane as plain processes on loopback (npm run cluster:up):
#   etcd, kube-apiserver (TLS, RBAC), kube-controller-manager, kube-scheduler, kwok (simulated Nodes,
#   pods become Running/Ready), Prometheus (scrape_interval 1s) and the traffic generator (test/traffic).
# State lives in <repo>/.sluice/ (git-ignored): kubeconfig, env, pki/, pids/, logs/, data/.
# Idempotent: when every process it started is alive and healthy it only re-applies the CRDs.
# Ports: SLUICE_PORT_BASE (default 16000) + fixed offsets, see below; every one is on 127.0.0.1.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
STATE="${SLUICE_STATE_DIR:-$ROOT/.sluice}"
here="$ROOT/test/cluster"
start_ts=$(date +%s.%N)
elapsed() { awk -v s="$start_ts" -v n="$(date +%s.%N)" 'BEGIN{printf "%.1f", n-s}'; }
log() { printf '[cluster:up %5ss] %s\n' "$(elapsed)" "$*"; }
die() { printf '[cluster:up %5ss] ERROR: %s\n' "$(elapsed)" "$*" >&2; exit 1; }

# One cluster:up/down at a time per state dir (test files may call ensureCluster() concurrently).
mkdir -p "$STATE"
exec 9>"$STATE/.lock"
flock 9

# ---- binaries (built or reused) --------------------------------------------------------------
if ! env_out="$(bash "$here/build.sh" --print-env)"; then die "build.sh --print-env failed"; fi
eval "$env_out"
need_build=0
for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do [ -x "$K8S_BIN/$b" ] || need_build=1; done
[ -x "$KWOK_DIR/kwok" ] || need_build=1
command -v etcd >/dev/null 2>&1 || need_build=1
command -v prometheus >/dev/null 2>&1 || need_build=1
if [ $need_build = 1 ]; then
  log "binaries missing: running test/cluster/build.sh (cold: ~20 minutes on 2 cores)"
  bash "$here/build.sh"
  eval "$(bash "$here/build.sh" --print-env)"
fi
KUBECTL="$K8S_BIN/kubectl"

# ---- ports -----------------------------------------------------------------------------------
# All on 127.0.0.1: base + fixed offsets. The base is SLUICE_PORT_BASE if set, else the one the running
# cluster of this state dir uses (.sluice/port-base), else one derived from the checkout's path
# (20000..29900, so that two clones on one machine, e.g. a developer's and CI's, do not collide),
# moved on by 100 while any of its ports is taken.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
set_ports() {
  B="$1"
  P_ETCD=$((B + 379)); P_ETCD_PEER=$((B + 380)); P_APISERVER=$((B + 443))
  P_KCM=$((B + 257)); P_SCHED=$((B + 259)); P_KWOK=$((B + 247))
  P_PROM=$((B + 90)); P_TRAFFIC=$((B + 91))
  ALL_PORTS="$P_ETCD $P_ETCD_PEER $P_APISERVER $P_KCM $P_SCHED $P_KWOK $P_PROM $P_TRAFFIC"
  APISERVER_URL="https://127.0.0.1:$P_APISERVER"
  PROM_URL="http://127.0.0.1:$P_PROM"
  TRAFFIC_URL="http://127.0.0.1:$P_TRAFFIC"
}
if [ -n "${SLUICE_PORT_BASE:-}" ]; then set_ports "$SLUICE_PORT_BASE"
elif [ -s "$STATE/port-base" ]; then set_ports "$(cat "$STATE/port-base")"
else set_ports $(( 20000 + ($(printf '%s' "$ROOT" | cksum | cut -d' ' -f1) % 100) * 100 ))
fi
PKI="$STATE/pki"; PIDS="$STATE/pids"; LOGS="$STATE/logs"; DATA="$STATE/data"
KCFG="$STATE/kubeconfig"
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok prometheus traffic)

# ---- process helpers (shared with down.sh) ---------------------------------------------------
# A pid file holds "<pid> <starttime>" (field 22 of /proc/<pid>/stat), so a recycled pid is never
# mistaken for ours.
proc_start() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }
alive() { # alive <name>
  local f="$PIDS/$1.pid" pid st
  [ -f "$f" ] || return 1
  read -r pid st < "$f" || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(proc_start "$pid")" = "$st" ]
}
launch() { # launch <name> <cmd...> : background, own session, stdout+stderr to logs/<name>.log
  local name="$1"; shift
  local pf="$PIDS/$name.pid.tmp"; rm -f "$pf"
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pf" "$@" > "$LOGS/$name.log" 2>&1 < /dev/null 9>&- &
  local i; for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
  local pid; pid="$(cat "$pf")"; rm -f "$pf"
  sleep 0.05
  echo "$pid $(proc_start "$pid")" > "$PIDS/$name.pid"
  alive "$name" || { tail -20 "$LOGS/$name.log" >&2; die "$name exited at once (log: $LOGS/$name.log)"; }
}
wait_until() { # wait_until <what> <timeout_s> <name-of-process-to-check-or-""> <cmd...>
  local what="$1" timeout="$2" proc="$3"; shift 3
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$proc" ] && ! alive "$proc"; then tail -30 "$LOGS/$proc.log" >&2; die "$proc died while waiting for $what (log: $LOGS/$proc.log)"; fi
    [ "$(date +%s)" -lt "$deadline" ] || { [ -n "$proc" ] && tail -30 "$LOGS/$proc.log" >&2; die "timed out after ${timeout}s waiting for $what"; }
    sleep 0.2
  done
}
kc() { "$KUBECTL" --kubeconfig "$KCFG" "$@"; }

apply_crds() {
  local files=() f
  shopt -s nullglob
  for f in "$ROOT"/crds/*.yaml "$ROOT"/crds/*.yml "$ROOT"/crds/providers/*.yaml "$ROOT"/crds/providers/*.yml; do files+=(-f "$f"); done
  shopt -u nullglob
  [ ${#files[@]} -gt 0 ] || { log "no CRD files under crds/"; return 0; }
  log "applying $(( ${#files[@]} / 2 )) CRD files from crds/ and crds/providers/ (server-side apply)"
  kc apply --server-side --force-conflicts --field-manager=sluice-cluster-up "${files[@]}" > "$LOGS/crds.log" 2>&1 \
    || { cat "$LOGS/crds.log" >&2; die "kubectl apply of the CRDs failed"; }
  kc wait --for=condition=Established crd --all --timeout=60s >> "$LOGS/crds.log" 2>&1 \
    || { cat "$LOGS/crds.log" >&2; die "CRDs did not become Established"; }
  log "CRDs Established: $(kc get crd -o name | wc -l)"
}

# A cluster started by another version of this script (other flags) or of the traffic generator is
# restarted, not reused.
SCRIPT_SUM="$( { cat "$here/up.sh" $(find "$ROOT/test/traffic" -name '*.ts' | sort); echo "$env_out"; } | sha256sum | cut -c1-16)"
# Every probe has a deadline: a component that hangs (seen: the traffic generator after a 1,000-Canary
# bench round) counts as unhealthy, so the cluster is restarted instead of this script waiting for ever.
healthy() {
  local c; for c in "${COMPONENTS[@]}"; do alive "$c" || return 1; done
  [ "$(cat "$STATE/up.sum" 2>/dev/null)" = "$SCRIPT_SUM" ] || { log "the running cluster was started by another version of test/cluster/up.sh or test/traffic"; return 1; }
  [ -f "$KCFG" ] || return 1
  kc get --raw /readyz --request-timeout=5s >/dev/null 2>&1 || return 1
  curl -fsS --max-time 5 "$PROM_URL/-/ready" >/dev/null 2>&1 || return 1
  curl -fsS --max-time 5 "$TRAFFIC_URL/healthz" >/dev/null 2>&1 || return 1
}

# ---- already up? -----------------------------------------------------------------------------
mkdir -p "$PIDS" "$LOGS"
if healthy; then
  log "already up (all ${#COMPONENTS[@]} processes alive and healthy); nothing started"
  apply_crds
  log "ready: source $STATE/env"
  exit 0
fi
any=0; for c in "${COMPONENTS[@]}"; do [ -f "$PIDS/$c.pid" ] && any=1; done
if [ $any = 1 ]; then
  log "a previous cluster is partly up or unhealthy: tearing it down first"
  SLUICE_DOWN_LOCKED=1 bash "$here/down.sh"
  mkdir -p "$PIDS" "$LOGS"
fi

# ---- ports free? -----------------------------------------------------------------------------
[ -n "${SLUICE_PORT_BASE:-}" ] || [ ! -s "$STATE/port-base" ] || set_ports "$(cat "$STATE/port-base")"
tries=0
while :; do
  busy=""; for p in $ALL_PORTS; do port_taken "$p" && busy="$p"; done
  [ -z "$busy" ] && break
  [ -z "${SLUICE_PORT_BASE:-}" ] || die "port 127.0.0.1:$busy is already in use (SLUICE_PORT_BASE=$SLUICE_PORT_BASE)"
  tries=$((tries + 1)); [ $tries -lt 100 ] || die "no free port range found"
  set_ports $(( 20000 + (B - 20000 + 100) % 10000 ))
done
echo "$B" > "$STATE/port-base"
log "ports: 127.0.0.1:$B + offsets (apiserver $P_APISERVER, Prometheus $P_PROM, traffic $P_TRAFFIC)"

mkdir -p "$PKI" "$DATA" "$STATE/prometheus-targets"

# ---- PKI (openssl) ---------------------------------------------------------------------------
log "PKI: CA, apiserver serving cert, client certs, service-account key pair"
ossl() { openssl "$@" >/dev/null 2>&1 || { openssl "$@"; die "openssl $1 failed"; }; }
if [ ! -f "$PKI/ca.crt" ]; then
  ossl genrsa -out "$PKI/ca.key" 2048
  ossl req -x509 -new -nodes -key "$PKI/ca.key" -sha256 -days 3650 -subj "/CN=sluice-test-ca" -out "$PKI/ca.crt"
fi
cert() { # cert <name> <subject> <extfile-content> [<ca name, default ca>]
  local n="$1" subj="$2" ext="$3" ca="${4:-ca}"
  [ -f "$PKI/$n.crt" ] && return 0
  printf '%s\n' "$ext" > "$PKI/$n.ext"
  # ECDSA P-256 leaf keys (RSA key generation costs ~0.5 s each on this machine); the CA and the
  # service-account keys stay RSA.
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$n.key"
  ossl req -new -key "$PKI/$n.key" -subj "$subj" -out "$PKI/$n.csr"
  ossl x509 -req -in "$PKI/$n.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial -days 3650 -sha256 -extfile "$PKI/$n.ext" -out "$PKI/$n.crt"
  rm -f "$PKI/$n.csr" "$PKI/$n.ext"
}
SERVICE_CIDR="${SLUICE_SERVICE_CIDR:-10.96.0.0/16}"
FIRST_SVC_IP="${SLUICE_FIRST_SERVICE_IP:-10.96.0.1}"
cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:$FIRST_SVC_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
cert admin "/O=system:masters/CN=sluice-admin" "$client_ext"
cert controller-manager "/CN=system:kube-controller-manager" "$client_ext"
cert scheduler "/CN=system:kube-scheduler" "$client_ext"
cert kwok "/O=system:masters/CN=kwok" "$client_ext"
# The aggregation layer (APIServices, e.g. external.metrics.k8s.io): the apiserver proxies to an
# extension server with this client certificate and names the user in X-Remote-* headers, which
# the extension server trusts only from a certificate of this CA (kubeadm's front-proxy pair).
if [ ! -f "$PKI/front-proxy-ca.crt" ]; then
  ossl genrsa -out "$PKI/front-proxy-ca.key" 2048
  ossl req -x509 -new -nodes -key "$PKI/front-proxy-ca.key" -sha256 -days 3650 -subj "/CN=sluice-test-front-proxy-ca" -out "$PKI/front-proxy-ca.crt"
fi
cert front-proxy-client "/CN=front-proxy-client" "$client_ext" front-proxy-ca
if [ ! -f "$PKI/sa.key" ]; then
  ossl genrsa -out "$PKI/sa.key" 2048
  ossl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
fi
chmod 600 "$PKI"/*.key

kubeconfig() { # kubeconfig <file> <cert-name>
  cat > "$1" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: sluice
  cluster:
    server: $APISERVER_URL
    certificate-authority: $PKI/ca.crt
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: sluice
  context:
    cluster: sluice
    user: $2
    namespace: default
current-context: sluice
KCFG
  chmod 600 "$1"
}
kubeconfig "$KCFG" admin
kubeconfig "$STATE/controller-manager.kubeconfig" controller-manager
kubeconfig "$STATE/scheduler.kubeconfig" scheduler
kubeconfig "$STATE/kwok.kubeconfig" kwok

# ---- etcd ------------------------------------------------------------------------------------
log "starting etcd on 127.0.0.1:$P_ETCD ($(etcd --version | head -1))"
mkdir -p "$DATA/etcd"; chmod 700 "$DATA/etcd"
launch etcd etcd --name sluice --data-dir "$DATA/etcd" \
  --listen-client-urls "http://127.0.0.1:$P_ETCD" --advertise-client-urls "http://127.0.0.1:$P_ETCD" \
  --listen-peer-urls "http://127.0.0.1:$P_ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$P_ETCD_PEER" \
  --initial-cluster "sluice=http://127.0.0.1:$P_ETCD_PEER" --initial-cluster-state new \
  --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) --snapshot-count=10000 --log-level=warn \
  --experimental-watch-progress-notify-interval=5s
wait_until "etcd /health" 30 etcd curl -fsS --max-time 5 "http://127.0.0.1:$P_ETCD/health"

# ---- kube-apiserver --------------------------------------------------------------------------
log "starting kube-apiserver on $APISERVER_URL"
# --watch-cache=false: Debian's etcd 3.4 cannot answer RequestWatchProgress, so the watch cache cannot
# catch up with resource versions written to other resources; client-go 1.36 informers then wait (and
# controllers requeue on "read version ... is not as new as written version") and a 3-replica rollout
# took ~110 s. Without the cache, watches go straight to etcd: the same rollout takes < 1 s.
launch kube-apiserver "$K8S_BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$P_ETCD" \
  --bind-address=127.0.0.1 --secure-port="$P_APISERVER" --advertise-address=127.0.0.1 \
  --endpoint-reconciler-type=none \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --authorization-mode=Node,RBAC \
  --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
  --allow-privileged=true \
  --watch-cache=false \
  --profiling=false \
  --v=1
wait_until "kube-apiserver /readyz" 120 kube-apiserver kc get --raw /readyz --request-timeout=5s

# ---- Prometheus (started early: its start-up overlaps the rest) -----------------------------
log "starting Prometheus on $PROM_URL ($(prometheus --version 2>&1 | head -1 | awk '{print $3}'))"
cat > "$STATE/prometheus.yml" <<PROM
# Written by test/cluster/up.sh. Later work can add scrape targets by dropping a file_sd JSON file in
# $STATE/prometheus-targets/ (e.g. [{"targets":["127.0.0.1:8080"],"labels":{"job":"sluice"}}]).
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sluice-traffic
    honor_labels: true
    static_configs:
      - targets: ["127.0.0.1:$P_TRAFFIC"]
  - job_name: file-sd
    honor_labels: true
    file_sd_configs:
      - files: ["$STATE/prometheus-targets/*.json"]
        refresh_interval: 2s
PROM
mkdir -p "$DATA/prometheus"
launch prometheus prometheus \
  --config.file="$STATE/prometheus.yml" \
  --storage.tsdb.path="$DATA/prometheus" \
  --storage.tsdb.retention.time=12h \
  --web.listen-address="127.0.0.1:$P_PROM" \
  --web.enable-lifecycle \
  --log.level=warn

# ---- traffic generator (started early; it retries watches of CRDs that are not installed yet) -
log "starting the traffic generator on $TRAFFIC_URL"
cd "$ROOT"
launch traffic env KUBECONFIG="$KCFG" SLUICE_TRAFFIC_PORT="$P_TRAFFIC" SLUICE_TRAFFIC_HOST=127.0.0.1 \
  node --import tsx "$ROOT/test/traffic/main.ts"

# ---- controller-manager, scheduler -----------------------------------------------------------
log "starting kube-controller-manager and kube-scheduler"
launch kube-controller-manager "$K8S_BIN/kube-controller-manager" \
  --kubeconfig="$STATE/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$P_KCM" \
  --leader-elect=false --use-service-account-credentials=true \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --profiling=false --v=1
launch kube-scheduler "$K8S_BIN/kube-scheduler" \
  --kubeconfig="$STATE/scheduler.kubeconfig" \
  --authentication-kubeconfig="$STATE/scheduler.kubeconfig" \
  --authorization-kubeconfig="$STATE/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$P_SCHED" \
  --leader-elect=false --profiling=false --v=1

# ---- kwok + simulated nodes ------------------------------------------------------------------
S="$KWOK_DIR/stage"
log "starting kwok $KWOK_VERSION (stages: node-initialize, node-heartbeat-with-lease, pod-ready, pod-complete, pod-delete)"
launch kwok "$KWOK_DIR/kwok" \
  --kubeconfig="$STATE/kwok.kubeconfig" \
  --manage-all-nodes=true \
  --server-address="127.0.0.1:$P_KWOK" \
  --node-lease-duration-seconds=40 \
  --config="$S/node/fast/node-initialize.yaml" \
  --config="$S/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
  --config="$S/pod/fast/pod-ready.yaml" \
  --config="$S/pod/fast/pod-complete.yaml" \
  --config="$S/pod/fast/pod-delete.yaml"
NODES="${SLUICE_NODES:-3}"
log "creating $NODES simulated Nodes"
for i in $(seq 0 $((NODES - 1))); do
  cat <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    topology.kubernetes.io/zone: zone-$((i % 3))
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
---
NODE
done > "$STATE/nodes.yaml"
kc apply -f "$STATE/nodes.yaml" > "$LOGS/nodes.log" 2>&1 || { cat "$LOGS/nodes.log" >&2; die "creating Nodes failed"; }

# ---- CRDs ------------------------------------------------------------------------------------
apply_crds

wait_until "Prometheus /-/ready" 60 prometheus curl -fsS --max-time 5 "$PROM_URL/-/ready"
wait_until "traffic generator /healthz" 60 traffic curl -fsS --max-time 5 "$TRAFFIC_URL/healthz"

# ---- env file --------------------------------------------------------------------------------
cat > "$STATE/env" <<ENV
# Written by test/cluster/up.sh: the local test cluster. Use: . .sluice/env
KUBECONFIG=$KCFG
PROMETHEUS_URL=$PROM_URL
SLUICE_KUBE_APISERVER=$APISERVER_URL
SLUICE_CA_CERT=$PKI/ca.crt
SLUICE_CA_KEY=$PKI/ca.key
SLUICE_TRAFFIC_URL=$TRAFFIC_URL
SLUICE_PROMETHEUS_TARGETS_DIR=$STATE/prometheus-targets
SLUICE_KUBECTL=$KUBECTL
SLUICE_K8S_BIN=$K8S_BIN
SLUICE_K8S_VERSION=$K8S_VERSION
SLUICE_STATE_DIR=$STATE
export KUBECONFIG PROMETHEUS_URL SLUICE_KUBE_APISERVER SLUICE_CA_CERT SLUICE_CA_KEY SLUICE_TRAFFIC_URL SLUICE_PROMETHEUS_TARGETS_DIR SLUICE_KUBECTL SLUICE_K8S_BIN SLUICE_K8S_VERSION SLUICE_STATE_DIR
ENV

# ---- wait: a Ready node and the default ServiceAccount ---------------------------------------
node_ready() { kc get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -qx True; }
wait_until "a Ready node" 60 kwok node_ready
wait_until "the default ServiceAccount" 60 kube-controller-manager kc -n default get serviceaccount default
echo "$SCRIPT_SUM" > "$STATE/up.sum"
log "up: $(kc get nodes --no-headers | wc -l) nodes, Kubernetes $K8S_VERSION, Prometheus $PROM_URL"
log "ready: source $STATE/env  (KUBECONFIG=$KCFG)"
