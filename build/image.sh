#!/usr/bin/env bash
# npm run image: builds localhost/sluice:<package version> from the Dockerfile with buildah into
# the local container storage (vfs driver, chroot isolation: no daemon, no overlay, no registry),
# on the local Node 20 bases of build/base-images.sh unless BASE_IMAGE and BUILD_IMAGE are given.
# Prints the build time, the image size and its gzip-compressed size (what a registry would store).
# Env: SLUICE_IMAGE (the tag; default localhost/sluice:<version>).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
command -v buildah >/dev/null 2>&1 || bash test/cluster/build.sh --prerequisites >&2
BUILDAH=(buildah --storage-driver vfs)
version="$(node -p 'require("./package.json").version')"
image="${SLUICE_IMAGE:-localhost/sluice:$version}"
start=$(date +%s)
if [ -z "${BASE_IMAGE:-}" ] || [ -z "${BUILD_IMAGE:-}" ]; then
  eval "$(bash build/base-images.sh | grep -E '^(BASE|BUILD)_IMAGE=')"
fi
echo "building $image (build stage $BUILD_IMAGE, runtime $BASE_IMAGE)" >&2
"${BUILDAH[@]}" build --isolation chroot --layers --quiet \
  --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg BUILD_IMAGE="$BUILD_IMAGE" --build-arg VERSION="$version" \
  -f Dockerfile -t "$image" . >/dev/null
elapsed=$(( $(date +%s) - start ))
size=$("${BUILDAH[@]}" inspect --type image --format '{{.Size}}' "$image" 2>/dev/null || echo 0)
archive="$(mktemp -d)"; trap 'rm -rf "$archive"' EXIT
"${BUILDAH[@]}" push --quiet "$image" "docker-archive:$archive/image.tar:$image" >/dev/null
compressed=$(gzip -1 -c "$archive/image.tar" | wc -c)
uncompressed=$(stat -c %s "$archive/image.tar")
mb() { awk -v b="$1" 'BEGIN{printf "%.1f MB", b/1000000}'; }
echo "image $image: built in ${elapsed}s; $(mb "$uncompressed") uncompressed, $(mb "$compressed") gzip-compressed"
echo "IMAGE=$image"
