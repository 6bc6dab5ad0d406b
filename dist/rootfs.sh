#!/usr/bin/env bash
# Lays out the container image's whole filesystem from a release archive, into ROOT:
#   /usr/local/bin/tfpost                 the static binary
#   /etc/ssl/certs/ca-certificates.crt    CA roots for GitHub's and Slack's HTTPS APIs
#   /tmp                                  where tfpost spills output its parser has not read yet
# Nothing else: no libc, no shell. The Dockerfile copies ROOT onto `scratch`, and
# tests/install_dist.rs runs the same layout under chroot, so what is tested is what ships.
#
# Usage: bash dist/rootfs.sh ARCHIVE ROOT [CA_BUNDLE]
#   CA_BUNDLE defaults to this machine's bundle, /etc/ssl/certs/ca-certificates.crt.
set -euo pipefail
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: bash dist/rootfs.sh ARCHIVE ROOT [CA_BUNDLE]" >&2; exit 2; }
archive="$1"
root="$2"
ca_bundle="${3:-/etc/ssl/certs/ca-certificates.crt}"
[ -s "$ca_bundle" ] || { echo "dist/rootfs.sh: no CA bundle at $ca_bundle" >&2; exit 1; }
name="$(basename "$archive" .tar.gz)"

unpacked="$(mktemp -d)"
trap 'rm -rf "$unpacked"' EXIT
tar -xzf "$archive" -C "$unpacked"
[ -x "$unpacked/$name/tfpost" ] || { echo "dist/rootfs.sh: $archive holds no $name/tfpost" >&2; exit 1; }

mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs"
install -m 0755 "$unpacked/$name/tfpost" "$root/usr/local/bin/tfpost"
install -m 0644 "$ca_bundle" "$root/etc/ssl/certs/ca-certificates.crt"
mkdir -p "$root/tmp"
chmod 1777 "$root/tmp"
