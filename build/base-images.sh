#!/usr/bin/env bash
# Assembles the two local base images the Dockerfile needs where no registry is reachable:
#   localhost/sluice-node-base:<node version>   runtime: this machine's Node 20 binary, the shared
#                                               libraries ldd lists for it, CA certificates,
#                                               passwd/group with the nonroot user 65532, /tmp
#   localhost/sluice-node-build:<node version>  the same plus npm, /bin/sh and /usr/bin/env
# Built FROM scratch with buildah into the local container storage (vfs: no overlay needed), once
# per Node version: a second run finds them and does nothing. With a registry, pass official
# images to the Dockerfile instead (BASE_IMAGE=node:20-bookworm-slim, BUILD_IMAGE=node:20-bookworm).
# Prints BASE_IMAGE=... and BUILD_IMAGE=... on the last two lines.
set -euo pipefail
BUILDAH=(buildah --storage-driver vfs)
node_bin="$(readlink -f "$(command -v node)")"
node_version="$("$node_bin" --version)"
case "$node_version" in v20.*) ;; *) echo "base-images.sh: needs Node 20 (the Dockerfile's runtime), found $node_version at $node_bin" >&2; exit 1;; esac
base="localhost/sluice-node-base:${node_version#v}"
build="localhost/sluice-node-build:${node_version#v}"
have() { "${BUILDAH[@]}" inspect --type image "$1" >/dev/null 2>&1; }
if have "$base" && have "$build"; then echo "BASE_IMAGE=$base"; echo "BUILD_IMAGE=$build"; exit 0; fi

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
# copy_with_libs <binary> <dest path in rootfs>: the binary and every library ldd names, at the
# same paths, so the dynamic loader finds them as on this machine.
copy_with_libs() {
  local root="$1" src="$2" dest="$3"
  install -D -m 0755 "$src" "$root$dest"
  for lib in $(ldd "$src" | grep -o '/[^ ]*' | sort -u); do
    [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
}
rootfs_runtime() {
  local root="$1"
  mkdir -p "$root"/{etc/ssl/certs,tmp,app,usr/local/bin}
  chmod 1777 "$root/tmp"
  copy_with_libs "$root" "$node_bin" /usr/local/bin/node
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
  mkdir -p "$root/home/nonroot" && chown 65532:65532 "$root/home/nonroot"
}
commit_rootfs() { # commit_rootfs <rootfs> <image>
  local ctr; ctr="$("${BUILDAH[@]}" from scratch)"
  "${BUILDAH[@]}" copy --quiet "$ctr" "$1" / >/dev/null
  # NODE_EXTRA_CA_CERTS: Node trusts the machine's CA bundle (copied above) beside its own, as
  # npm and the operator do on this machine; without it npm ci cannot reach the registry here.
  "${BUILDAH[@]}" config --env PATH=/usr/local/bin:/usr/bin:/bin --env NODE_ENV=production \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    --label org.opencontainers.image.description="Node $node_version from the build machine, assembled by build/base-images.sh" "$ctr"
  "${BUILDAH[@]}" commit --quiet --rm "$ctr" "$2" >/dev/null
  echo "built $2 ($("${BUILDAH[@]}" inspect --type image --format '{{.FromImageID}}' "$2" 2>/dev/null | cut -c1-12))" >&2
}

rootfs_runtime "$work/base"
commit_rootfs "$work/base" "$base"

rootfs_runtime "$work/build"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
mkdir -p "$work/build/usr/local/lib/node_modules"
cp -a "$npm_dir" "$work/build/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/build/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/build/usr/local/bin/npx"
copy_with_libs "$work/build" /bin/dash /bin/sh
copy_with_libs "$work/build" /usr/bin/env /usr/bin/env
# resolv.conf and hosts are bind-mounted by buildah at RUN time; npm's registry is reached from there.
commit_rootfs "$work/build" "$build"
echo "BASE_IMAGE=$base"
echo "BUILD_IMAGE=$build"
