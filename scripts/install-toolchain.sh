#!/usr/bin/env bash
# Installs, with apt-get only, what goes beyond Node and npm:
#   - the Rust -> wasm32 toolchain that rebuilds src/symcache/symcache.wasm (Debian's rustc 1.63
#     and the librust-*-dev crates, used offline through a source replacement of crates.io),
#   - the compilers and LLVM tools that make and check the debug-file fixtures (Mono's mcs and
#     Mono.Cecil for the .NET ones; Debian's go for the Go row of the conformance table),
#   - the oracles the correctness tests compare against (llvm-symbolizer, addr2line, gdb, debuginfod-find),
#   - large real debug files from Debian (libpython3.11-dbg, libc6-dbg),
#   - chromium, the browser the web page's end-to-end test drives (test/e2e/ui-browser.test.ts).
# Running the service (`npm start`) and the Worker tests need none of this.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  rustc cargo rust-clippy rustfmt libstd-rust-dev-wasm32 lld \
  librust-gimli-dev librust-object-dev librust-addr2line-dev librust-flate2-dev librust-miniz-oxide-dev \
  librust-rustc-demangle-dev librust-fallible-iterator-dev librust-smallvec-dev \
  binaryen wabt \
  gcc g++ binutils clang-19 lld-19 llvm-19 dwz elfutils debuginfod gdb \
  mono-mcs mono-runtime libmono-cecil-private-cil libmono-compilerservices-symbolwriter4.0-cil \
  golang-go \
  libc6-dbg libpython3.11-dbg \
  chromium \
  >/dev/null
echo "toolchain installed: $(/usr/bin/rustc --version), $(clang-19 --version | head -1)"
