#!/bin/sh
# Installs a released tfpost binary: downloads the archive for this machine, checks its SHA-256,
# and puts `tfpost` into the install directory. Used by the GitHub Action (action.yml) and the
# CircleCI orb (orb/), and runnable as is:
#   curl -fsSL .../install.sh | TFPOST_VERSION=0.1.0 sh
# POSIX sh with curl or wget, sha256sum or shasum, tar and gzip: it runs in Alpine/busybox images
# (hashicorp/terraform) as well as on GitHub's and CircleCI's machines.
#
# Environment:
#   TFPOST_VERSION      release to install, e.g. 0.1.0 (required; a leading "v" is ignored)
#   TFPOST_BASE_URL     where releases are: the archive is fetched from
#                       BASE/vVERSION/tfpost-VERSION-TARGET.tar.gz (default: the GitHub releases)
#   TFPOST_INSTALL_DIR  directory that receives the binary (default: /usr/local/bin when writable,
#                       else ~/.local/bin). An install dir that already holds this version is kept
#                       as is, without a download: point it at a cached directory.
#   TFPOST_SHA256       expected SHA-256 of the archive. Pin it to trust only that archive; when
#                       empty, the checksum published next to the archive is used (which catches
#                       corrupt and truncated downloads, not a compromised release).
#   TFPOST_TARGET       target triple to install (default: detected from uname)
# The install dir is added to the PATH of later steps on GitHub Actions (GITHUB_PATH) and, when
# it is not on the PATH already, on CircleCI (BASH_ENV).
set -eu

fail() {
  echo "tfpost install: $*" >&2
  exit 1
}

version="${TFPOST_VERSION:-}"
version="${version#v}"
[ -n "$version" ] || fail "TFPOST_VERSION is not set (the release to install, e.g. 0.1.0)"
case "$version" in
  *[!0-9A-Za-z.+-]*) fail "TFPOST_VERSION '$version' is not a version number" ;;
esac
base_url="${TFPOST_BASE_URL:-https://github.com/tfpost/tfpost/releases/download}"
base_url="${base_url%/}"

target="${TFPOST_TARGET:-}"
if [ -z "$target" ]; then
  case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) fail "no tfpost release for the $(uname -m) architecture; build it with: cargo install --locked tfpost" ;;
  esac
  case "$(uname -s)" in
    # The Linux binaries are static: the same one runs on glibc and musl (Alpine) systems.
    Linux) target="$arch-unknown-linux-gnu" ;;
    Darwin) target="$arch-apple-darwin" ;;
    *) fail "no tfpost release for $(uname -s); build it with: cargo install --locked tfpost" ;;
  esac
fi

install_dir="${TFPOST_INSTALL_DIR:-}"
if [ -z "$install_dir" ]; then
  if [ -w /usr/local/bin ]; then install_dir=/usr/local/bin; else install_dir="$HOME/.local/bin"; fi
fi

add_to_path() {
  if [ -n "${GITHUB_PATH:-}" ]; then echo "$install_dir" >> "$GITHUB_PATH"; fi
  # CircleCI runs each step in a new shell that sources BASH_ENV first (when it is bash).
  case ":$PATH:" in
    *":$install_dir:"*) ;;
    *) if [ -n "${CIRCLECI:-}" ] && [ -n "${BASH_ENV:-}" ]; then
      echo "export PATH=\"$install_dir:\$PATH\"" >> "$BASH_ENV"
    fi ;;
  esac
}

# `tfpost --version` prints "tfpost VERSION (commit ..., TARGET)".
if [ -x "$install_dir/tfpost" ] &&
  [ "$("$install_dir/tfpost" --version 2>/dev/null | cut -d ' ' -f 2)" = "$version" ]; then
  echo "tfpost $version is already in $install_dir"
  add_to_path
  exit 0
fi

archive="tfpost-$version-$target.tar.gz"
url="$base_url/v$version/$archive"

download() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    fail "neither curl nor wget is installed"
  fi
}

sha256_of() { # FILE
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  fi
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "tfpost install: downloading $url"
download "$url" "$tmp/$archive" || fail "could not download $url"
expected="$(echo "${TFPOST_SHA256:-}" | tr 'A-F' 'a-f')"
if [ -z "$expected" ]; then
  download "$url.sha256" "$tmp/$archive.sha256" || fail "could not download $url.sha256"
  expected="$(cut -d ' ' -f 1 < "$tmp/$archive.sha256" | tr 'A-F' 'a-f')"
fi
case "$expected" in
  *[!0-9a-f]* | "") fail "the expected SHA-256 '$expected' is not a hex digest" ;;
esac
[ "${#expected}" -eq 64 ] || fail "the expected SHA-256 '$expected' is not 64 hex digits"
actual="$(sha256_of "$tmp/$archive")"
[ "$actual" = "$expected" ] ||
  fail "checksum mismatch for $url: expected $expected, got $actual; nothing was installed"

tar -xzf "$tmp/$archive" -C "$tmp" || fail "could not unpack $archive"
[ -f "$tmp/tfpost-$version-$target/tfpost" ] || fail "$archive holds no tfpost-$version-$target/tfpost"
mkdir -p "$install_dir" || fail "cannot create $install_dir"
# Copy then rename: a concurrent job never sees a half-written binary.
cp "$tmp/tfpost-$version-$target/tfpost" "$install_dir/.tfpost.$$" || fail "cannot write to $install_dir"
chmod 755 "$install_dir/.tfpost.$$"
mv -f "$install_dir/.tfpost.$$" "$install_dir/tfpost"
echo "tfpost install: $("$install_dir/tfpost" --version) in $install_dir"
add_to_path
