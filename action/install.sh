#!/usr/bin/env bash
# The install step of action.yml, kept in a file so tests/action.rs can run
# it against a local HTTP server.
#
# When the action runs at a release tag (`uses: sentrylint/sentrylint@vX.Y.Z`
# with X.Y.Z the version in its own Cargo.toml), it downloads that release's
# archive for this runner, checks it against the release's SHA-256 sum and
# keeps it in the runner's tool cache. Any other ref (a branch, a commit,
# `uses: ./`) may hold unreleased code, so it asks action.yml to build from
# source instead (`source=build`), and so does a tag with no release archive
# for this runner. A tampered or truncated archive is refused: that is an
# error, never a reason to fall back.
#
# Reads: SENTRYLINT_SOURCE (the action's checkout), SENTRYLINT_REF (the ref
# the workflow pinned), SENTRYLINT_RELEASES (where releases are downloaded
# from), RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP.
# Writes to GITHUB_OUTPUT: `version`, `source` (release or build), and for
# a build `cache-key` and `root` (the `cargo install --root`); adds the
# folder the binary is (or will be) in to GITHUB_PATH.
set -euo pipefail

fail() {
  echo "::error title=sentrylint install::$*"
  exit 1
}

sha256() {
  if command -v sha256sum > /dev/null; then
    sha256sum "$@" | cut -d' ' -f1
  else
    shasum -a 256 "$@" | cut -d' ' -f1
  fi
}

source_dir=${SENTRYLINT_SOURCE:?SENTRYLINT_SOURCE names the action checkout}
releases=${SENTRYLINT_RELEASES:-https://github.com/sentrylint/sentrylint/releases/download}
tool_cache=${RUNNER_TOOL_CACHE:?}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$source_dir/Cargo.toml" | head -n 1)
[ -n "$version" ] || fail "no version in $source_dir/Cargo.toml"
echo "version=$version" >> "$GITHUB_OUTPUT"

# The archives the release workflow publishes (.github/workflows/release.yml).
archive_ext=.tar.gz
exe=""
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc archive_ext=.zip exe=.exe ;;
  *) target="" ;;
esac

build() {
  echo "sentrylint: $1; building $version from source"
  # The key changes with every change to what the build reads, so a branch
  # or `uses: ./` never runs a binary built from older code.
  read_by_build=()
  for p in Cargo.toml Cargo.lock build.rs src migrations rules; do
    [ ! -e "$source_dir/$p" ] || read_by_build+=("$p")
  done
  tree=$(cd "$source_dir" && find "${read_by_build[@]}" -type f | LC_ALL=C sort |
    while read -r f; do echo "$(sha256 "$f")  $f"; done | sha256)
  tree=${tree:0:20}
  root="$tool_cache/sentrylint-source/$tree"
  {
    echo "source=build"
    echo "cache-key=sentrylint-${RUNNER_OS:-}-${RUNNER_ARCH:-}-$version-$tree"
    echo "root=$root"
  } >> "$GITHUB_OUTPUT"
  echo "$root/bin" >> "$GITHUB_PATH"
  exit 0
}

[ "${SENTRYLINT_REF:-}" = "v$version" ] || build "the action runs at \`${SENTRYLINT_REF:-its own checkout}\`, not at the release tag v$version"
[ -n "$target" ] || build "no release archive for ${RUNNER_OS:-}/${RUNNER_ARCH:-}"

# The tool cache's layout (<tool>/<version>/<arch>, and <arch>.complete once
# whole), as actions/tool-cache keeps it.
arch=$(echo "${RUNNER_ARCH}" | tr '[:upper:]' '[:lower:]')
dest="$tool_cache/sentrylint/$version/$arch"
if [ -f "$dest.complete" ] && [ -x "$dest/sentrylint$exe" ]; then
  echo "sentrylint $version: in the tool cache"
else
  archive="sentrylint-$target$archive_ext"
  url="$releases/v$version/$archive"
  tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/sentrylint.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  status=$(curl --silent --show-error --location --retry 3 --connect-timeout 20 \
    --output "$tmp/$archive" --write-out '%{http_code}' "$url") || fail "cannot download $url"
  [ "$status" != 404 ] || build "no release archive at $url"
  [ "$status" = 200 ] || fail "downloading $url: HTTP $status"
  status=$(curl --silent --show-error --location --retry 3 --connect-timeout 20 \
    --output "$tmp/$archive.sha256" --write-out '%{http_code}' "$url.sha256") || fail "cannot download $url.sha256"
  [ "$status" = 200 ] || fail "downloading $url.sha256: HTTP $status"
  expected=$(cut -d' ' -f1 < "$tmp/$archive.sha256" | tr -d '\r\n')
  [[ "$expected" =~ ^[0-9a-f]{64}$ ]] || fail "$url.sha256 holds no SHA-256 sum"
  actual=$(sha256 "$tmp/$archive")
  [ "$actual" = "$expected" ] || fail "$archive: SHA-256 is $actual, the release says $expected; not installing it"
  mkdir "$tmp/unpacked"
  if [ "$archive_ext" = .zip ]; then
    unzip -q "$tmp/$archive" -d "$tmp/unpacked"
  else
    tar -xzf "$tmp/$archive" -C "$tmp/unpacked"
  fi
  [ -f "$tmp/unpacked/sentrylint-$target/sentrylint$exe" ] || fail "$archive holds no sentrylint-$target/sentrylint$exe"
  rm -rf "$dest"
  mkdir -p "$dest"
  mv "$tmp/unpacked/sentrylint-$target/sentrylint$exe" "$dest/"
  chmod +x "$dest/sentrylint$exe"
  touch "$dest.complete"
  echo "sentrylint $version: downloaded $archive, SHA-256 $actual"
fi
reported=$("$dest/sentrylint$exe" --version) || fail "$dest/sentrylint$exe does not run"
[ "$reported" = "sentrylint $version" ] || fail "$dest/sentrylint$exe says \`$reported\`, expected sentrylint $version"
echo "source=release" >> "$GITHUB_OUTPUT"
echo "$dest" >> "$GITHUB_PATH"
