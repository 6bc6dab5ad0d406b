#!/usr/bin/env bash
# Builds the release archive of tfpost for one target and writes it, with its checksum, into OUTDIR:
#   OUTDIR/tfpost-VERSION-TARGET.tar.gz         tfpost, LICENSE-*, README.md, completions/, tfpost.1
#   OUTDIR/tfpost-VERSION-TARGET.tar.gz.sha256  "HASH  tfpost-VERSION-TARGET.tar.gz" (sha256sum -c)
#
# Usage: bash dist/build.sh OUTDIR
# Environment:
#   TFPOST_DIST_TARGET   target triple (default: the host's). Linux targets are linked statically
#                        (glibc's static libraries, +crt-static): the binary needs no libc at run
#                        time, so it runs on Alpine, distroless and scratch images alike.
#   TFPOST_BUILD_COMMIT  commit named by `tfpost --version` when the source is not a git checkout.
#   SOURCE_DATE_EPOCH    timestamp of the archive's entries (default: the commit's date), so the
#                        same source gives the same archive bytes.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash dist/build.sh OUTDIR" >&2; exit 2; }
outdir="$1"
cd "$(dirname "$0")/.."

host="$(rustc -vV | sed -n 's/^host: //p')"
target="${TFPOST_DIST_TARGET:-$host}"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
[ -n "$version" ] || { echo "dist/build.sh: no version in Cargo.toml" >&2; exit 1; }
name="tfpost-$version-$target"

case "$target" in
  *-linux-gnu)
    # Only the target's artifacts get the flag (cargo applies the target's RUSTFLAGS to them
    # alone when --target is given); build scripts and proc macros stay dynamic host programs.
    flags_var="CARGO_TARGET_$(echo "$target" | tr 'a-z-' 'A-Z_')_RUSTFLAGS"
    export "$flags_var=${!flags_var:-} -C target-feature=+crt-static"
    ;;
  *-apple-darwin) ;; # macOS has no static libc: libSystem is always there.
  *) echo "dist/build.sh: unsupported target $target" >&2; exit 1 ;;
esac

cargo build --locked --profile dist --target "$target" --bin tfpost
binary="target/$target/dist/tfpost"

if [[ "$target" == *-linux-* ]]; then
  # A static binary has no program interpreter (ld-linux) to load it: the empty-root promise.
  if readelf -lW "$binary" | grep -q 'Requesting program interpreter'; then
    echo "dist/build.sh: $binary is dynamically linked" >&2
    exit 1
  fi
fi

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
dir="$stage/$name"
mkdir -p "$dir/completions"
cp "$binary" "$dir/tfpost"
cp LICENSE-MIT LICENSE-APACHE README.md "$dir/"
# The binary writes its own completions and man page; a cross-built one that cannot run here
# leaves that to a host build of the same source.
if "$dir/tfpost" --version >/dev/null 2>&1; then
  run=("$dir/tfpost")
else
  run=(cargo run --locked --quiet --bin tfpost --)
fi
for shell in bash zsh fish; do "${run[@]}" completions "$shell" > "$dir/completions/tfpost.$shell"; done
"${run[@]}" man > "$dir/tfpost.1"

epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
mkdir -p "$outdir"
archive="$name.tar.gz"
# GNU tar and bsdtar (macOS) differ in how entries are sorted and owned; both are told the same.
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
  tar -C "$stage" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -cf - "$name"
else
  find "$stage/$name" -exec touch -h -t "$(date -u -r "$epoch" +%Y%m%d%H%M.%S)" {} +
  tar -C "$stage" --uid 0 --gid 0 -cf - "$name"
fi | gzip -n -9 > "$outdir/$archive"

if command -v sha256sum >/dev/null; then
  (cd "$outdir" && sha256sum "$archive" > "$archive.sha256")
else
  (cd "$outdir" && shasum -a 256 "$archive" > "$archive.sha256")
fi
echo "$outdir/$archive"
