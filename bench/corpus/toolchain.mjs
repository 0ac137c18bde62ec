/**
 * How each target of the corpus is compiled, linked and split, as commands (argv arrays) run with
 * the build directory as working directory, so every path a compiler or linker sees is relative
 * and the outputs do not depend on where the repository is checked out.
 *
 * - elf: x86_64 shared library; units by clang-19 and/or g++ (libstdc++), linked by ld.lld-19
 *   with a SHA-1 build id over the output, then split the way Sentry's docs tell release
 *   engineers to ("Uploading Debug Information", Linux): `objcopy --only-keep-debug`, then
 *   `--strip-debug --strip-unneeded` and `--add-gnu-debuglink` on the shipped binary.
 * - macho: arm64 macOS dylib by clang-19 + ld64.lld-19, DWARF linked into a dSYM by dsymutil-19,
 *   shipped binary `llvm-strip -S`. There is no Apple SDK here, so the units compile against
 *   Debian's libstdc++ and glibc headers with three shims (see MACHO_SHIMS); nothing runs the
 *   code, the point is the DWARF.
 */
import { execFileSync } from "node:child_process";

/** Where DW_AT_comp_dir and every relative source path point in the outputs. */
export const PREFIX_MAP_TARGET = "/build/bigcorpus";

const COMMON = ["-std=c++17", "-O2", "-g", "-fno-exceptions", "-w", "-Iinclude"];

const COMPILERS = { clang: "clang++-19", gcc: "g++" };

/**
 * Header shims for compiling libstdc++ + glibc (x86_64 Debian headers) for arm64-apple-macos:
 * glibc's x86_64 <bits/wordsize.h> says 32-bit for any non-x86_64 target, <gnu/stubs.h> then wants
 * the absent stubs-32.h, and <bits/pthreadtypes-arch.h> adds `regparm`, which arm64 rejects.
 */
export const MACHO_SHIMS = {
  "shim/bits/wordsize.h": [
    "// Shim: glibc's x86_64 wordsize.h reports 32 bits for non-x86_64 targets; arm64 is LP64.",
    "#define __WORDSIZE 64",
    "#define __WORDSIZE_TIME64_COMPAT32 1",
    "#define __SYSCALL_WORDSIZE 64",
    "",
  ].join("\n"),
  "shim/gnu/stubs-32.h": "// Shim: <gnu/stubs.h> includes this for non-x86_64 targets; no stubs are needed.\n",
  "shim/bits/pthreadtypes-arch.h": [
    "// Shim: the x86_64 header marks cleanup functions regparm(1) on non-x86_64 targets.",
    "#include_next <bits/pthreadtypes-arch.h>",
    "#undef __cleanup_fct_attribute",
    "#define __cleanup_fct_attribute",
    "",
  ].join("\n"),
};

const MACHO_INCLUDES = [
  "-nostdinc++",
  "-isystem",
  "/usr/include/c++/12",
  "-isystem",
  "/usr/include/x86_64-linux-gnu/c++/12",
  "-isystem",
  "shim",
  "-isystem",
  "/usr/include",
  "-isystem",
  "/usr/include/x86_64-linux-gnu",
  // Darwin targets predefine __nonnull as a nullability keyword; glibc uses it as an attribute macro.
  "-U__nonnull",
  // g++ and clang on Linux define _GNU_SOURCE for C++; libstdc++'s config expects it.
  "-D_GNU_SOURCE",
];

/** The compile command of one unit. `compiler` is "clang" or "gcc" (gcc only for elf). */
export function compileCommand(target, compiler, buildDir, source, object) {
  const prefixMap = `-ffile-prefix-map=${buildDir}=${PREFIX_MAP_TARGET}`;
  if (target === "elf") {
    // gcc names some internal symbols from a random seed unless given one.
    const seed = compiler === "gcc" ? [`-frandom-seed=${source}`] : [];
    return [COMPILERS[compiler], [...COMMON, "-fPIC", prefixMap, ...seed, "-c", source, "-o", object]];
  }
  return [
    COMPILERS.clang,
    ["-target", "arm64-apple-macos11", ...COMMON, ...MACHO_INCLUDES, prefixMap, "-c", source, "-o", object],
  ];
}

export const LIBRARY = { elf: "libbigcorpus.so", macho: "libbigcorpus.dylib" };

/** The link command; `objectsFile` lists the objects, one per line (a response file). */
export function linkCommand(target, buildDir, objectsFile, output) {
  if (target === "elf") {
    return [
      "clang++-19",
      ["-shared", "-fuse-ld=lld", "-Wl,--build-id=sha1", `-Wl,-soname,${LIBRARY.elf}`, "-o", output, `@${objectsFile}`],
    ];
  }
  return [
    "ld64.lld-19",
    [
      "-dylib",
      "-arch",
      "arm64",
      "-platform_version",
      "macos",
      "11.0",
      "11.0",
      "-install_name",
      `@rpath/${LIBRARY.macho}`,
      // libstdc++ is not linked (there is no arm64 macOS build of it here): leave its symbols to
      // the dynamic loader, as a plugin resolving against its host would.
      "-undefined",
      "dynamic_lookup",
      // Debug-map (N_OSO) paths relative to the build directory, where dsymutil runs.
      "-oso_prefix",
      `${buildDir}/`,
      "-o",
      output,
      "-filelist",
      objectsFile,
    ],
  ];
}

/**
 * Environment for the Mach-O link: ld64.lld writes each object's mtime into the debug map's
 * N_OSO entries unless ZERO_AR_DATE is set (Apple ld's convention), which would make the dylib
 * and dSYM differ on every build.
 */
export const MACHO_LINK_ENV = { ZERO_AR_DATE: "1" };

/** Tool versions that decide the bytes of the outputs (part of every cache key). */
export function toolchainVersions(target) {
  const first = (cmd, args = ["--version"]) => {
    try {
      return execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] })
        .toString()
        .split("\n")
        .find((l) => l.trim())
        ?.trim();
    } catch (err) {
      throw new Error(`${cmd} is needed (bash scripts/install-toolchain.sh): ${err.message}`);
    }
  };
  const common = { clang: first("clang++-19") };
  if (target === "elf") {
    return { ...common, gcc: first("g++"), lld: first("ld.lld-19"), objcopy: first("objcopy") };
  }
  return { ...common, ld64: first("ld64.lld-19"), dsymutil: first("dsymutil-19"), strip: first("llvm-strip-19") };
}
