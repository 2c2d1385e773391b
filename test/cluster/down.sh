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

# /proc/<pid>/stat after the "(comm)" field: state is the 1st field, start time the 20th.
stat_tail() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null; }
# ours <pid> <starttime>: the process exists, is not a zombie, and is the one we started.
ours() {
  local s; s="$(stat_tail "$1")" || return 1
  [ -n "$s" ] || return 1
  set -- "$2" $s
  [ "$2" != Z ] && [ "${21}" = "$1" ]
}

stop_group() { # stop_group <name>... : SIGTERM all, wait up to 10 s, SIGKILL what is left
  local name pid st pids=() names=() i
  for name in "$@"; do
    local f="$PIDS/$name.pid"
    [ -f "$f" ] || continue
    read -r pid st < "$f" || true
    if [ -n "${pid:-}" ] && ours "$pid" "${st:-}"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid $st"); names+=("$name")
    else
      log "$name (pid ${pid:-?}) was not running"
    fi
    rm -f "$f"
  done
  for i in $(seq 1 100); do
    local left=0 p
    for p in "${pids[@]}"; do ours $p && left=1; done
    [ $left = 0 ] && break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if ours ${pids[$i]}; then log "${names[$i]} (pid ${pids[$i]%% *}) did not stop in 10 s: SIGKILL"; kill -KILL "${pids[$i]%% *}" 2>/dev/null || true; fi
    log "stopped ${names[$i]} (pid ${pids[$i]%% *})"
  done
}

# The clients first (all at once), then the apiserver, then etcd.
stop_group traffic prometheus kwok kube-scheduler kube-controller-manager
stop_group kube-apiserver
stop_group etcd

# Remove the state; keep the lock and prometheus-targets/ (other tools may write into it before the
# next cluster:up).
rm -rf "$STATE/pids" "$STATE/logs" "$STATE/data" "$STATE/pki" "$STATE/kubeconfig" "$STATE/env" \
  "$STATE"/*.kubeconfig "$STATE/prometheus.yml" "$STATE/nodes.yaml" "$STATE/up.sum" "$STATE/port-base"
log "state removed from $STATE"
