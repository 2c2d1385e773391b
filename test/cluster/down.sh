#!/usr/bin/env bash
# Stops exactly the processes test/cluster/up.sh started (by the pid and start time recorded in
# .sluice/pids/) and removes the cluster state under .sluice/ (npm run cluster:down).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
STATE="${SLUICE_STATE_DIR:-$ROOT/.sluice}"
PIDS="$STATE/pids"
log() { printf '[cluster:down] %s\n' "$*"; }
[ -d "$STATE" ] || { log "nothing to stop ($STATE does not exist)"; exit 0; }
if [ -z "${SLUICE_DOWN_LOCKED:-}" ]; then exec 9>"$STATE/.lock"; flock 9; fi
proc_start() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }
# Reverse start order: the traffic generator and Prometheus first, etcd last.
for name in traffic prometheus kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  f="$PIDS/$name.pid"
  [ -f "$f" ] || continue
  read -r pid st < "$f" || true
  if [ -n "${pid:-}" ] && [ -d "/proc/$pid" ] && [ "$(proc_start "$pid")" = "${st:-}" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do [ -d "/proc/$pid" ] && [ "$(proc_start "$pid")" = "$st" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ] && [ "$(proc_start "$pid")" = "$st" ]; then
      log "$name (pid $pid) did not stop in 10s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid)"
  else
    log "$name (pid ${pid:-?}) was not running"
  fi
  rm -f "$f"
done
# Remove the state; keep nothing but an empty prometheus-targets/ (other tools may write into it
# before the next cluster:up).
rm -rf "$STATE/pids" "$STATE/logs" "$STATE/data" "$STATE/pki" "$STATE/kubeconfig" "$STATE/env" \
  "$STATE"/*.kubeconfig "$STATE/prometheus.yml" "$STATE/nodes.yaml" "$STATE/up.sum" "$STATE/port-base"
log "state removed from $STATE"
