#!/usr/bin/env bash
# Reproducible build of src/symcache/symcache.wasm from crates/symcache, fully offline, with
# Debian's toolchain (rustc 1.63 in /usr/bin, crates from /usr/share/cargo/registry through the
# source replacement in crates/symcache/.cargo/config.toml). rustup's toolchain must not be used.
#
#   scripts/build-wasm.sh           build and copy to src/symcache/symcache.wasm
#   scripts/build-wasm.sh --check   rebuild in a temp dir; exit 1 if it differs byte-for-byte
#                                   from the committed src/symcache/symcache.wasm (for CI)
#
# Determinism: fixed paths (--remap-path-prefix), no debug info, strip, codegen-units=1, LTO,
# a locked Cargo.lock, then `wasm-opt -Oz` (binaryen) with producers/debug sections stripped.
# Prerequisites: scripts/install-toolchain.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CRATE="$ROOT/crates/symcache"
COMMITTED="$ROOT/src/symcache/symcache.wasm"
MODE="build"
if [ "${1:-}" = "--check" ]; then MODE="check"; fi

for tool in /usr/bin/rustc /usr/bin/cargo; do
  [ -x "$tool" ] || { echo "missing $tool: run scripts/install-toolchain.sh" >&2; exit 2; }
done
[ -d /usr/lib/rustlib/wasm32-unknown-unknown ] || { echo "missing libstd-rust-dev-wasm32: run scripts/install-toolchain.sh" >&2; exit 2; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [ "$MODE" = "check" ]; then
  TARGET_DIR="$WORK/target"
else
  TARGET_DIR="$CRATE/target"
fi

cd "$CRATE"
env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_BUILD_TARGET \
  PATH=/usr/bin:/bin \
  RUSTC=/usr/bin/rustc \
  CARGO_TARGET_DIR="$TARGET_DIR" \
  CARGO_ENCODED_RUSTFLAGS="$(printf '%s\x1f%s\x1f%s\x1f%s' \
    "--remap-path-prefix=$CRATE=/symcache" \
    "--remap-path-prefix=/usr/share/cargo/registry=/registry" \
    "--remap-path-prefix=$TARGET_DIR=/target" \
    "-Cdebuginfo=0")" \
  /usr/bin/cargo build --release --locked --offline --target wasm32-unknown-unknown --quiet

RAW="$TARGET_DIR/wasm32-unknown-unknown/release/symcache.wasm"
OUT="$WORK/symcache.wasm"
if command -v wasm-opt >/dev/null 2>&1; then
  wasm-opt -O3 --strip-debug --strip-producers "$RAW" -o "$OUT"
else
  echo "warning: wasm-opt (binaryen) not found; the output will not match a wasm-opt build" >&2
  cp "$RAW" "$OUT"
fi

if [ "$MODE" = "check" ]; then
  if cmp -s "$OUT" "$COMMITTED"; then
    echo "symcache.wasm is up to date ($(wc -c <"$OUT") bytes)"
  else
    echo "src/symcache/symcache.wasm differs from a fresh build of crates/symcache: run scripts/build-wasm.sh and commit" >&2
    exit 1
  fi
else
  cp "$OUT" "$COMMITTED"
  echo "wrote src/symcache/symcache.wasm ($(wc -c <"$COMMITTED") bytes, sha256 $(sha256sum "$COMMITTED" | cut -c1-16))"
fi
