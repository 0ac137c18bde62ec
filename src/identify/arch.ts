/**
 * symbolic's architecture names (symbolic-common `src/types.rs`, `Arch::name`) for the machine codes each format stores.
 * These strings are what Sentry shows as `arch` / `cpuName`.
 */

const EM_386 = 3;
const EM_MIPS = 8;
const EM_MIPS_RS3_LE = 10;
const EM_PPC = 20;
const EM_PPC64 = 21;
const EM_ARM = 40;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
/** EF_MIPS_ABI_O64 | EF_MIPS_ABI_EABI64: either flag marks a 64-bit MIPS ABI. */
const MIPS_64_FLAGS = 0x2000 | 0x4000;

export function elfArch(machine: number, flags: number): string {
  switch (machine) {
    case EM_386:
      return "x86";
    case EM_X86_64:
      return "x86_64";
    case EM_AARCH64:
      return "arm64";
    // symbolic does not read the ARM attributes section, so every 32-bit ARM is plain `arm`.
    case EM_ARM:
      return "arm";
    case EM_PPC:
      return "ppc";
    case EM_PPC64:
      return "ppc64";
    case EM_MIPS:
    case EM_MIPS_RS3_LE:
      return (flags & MIPS_64_FLAGS) !== 0 ? "mips64" : "mips";
    default:
      return "unknown";
  }
}

const CPU_ARCH_ABI64 = 0x0100_0000;
const CPU_ARCH_ABI64_32 = 0x0200_0000;
const CPU_TYPE_X86 = 7;
const CPU_TYPE_ARM = 12;
const CPU_TYPE_POWERPC = 18;

const ARM_SUBTYPES: Record<number, string> = {
  0: "arm",
  7: "armv5",
  6: "armv6",
  14: "armv6m",
  9: "armv7",
  10: "armv7f",
  11: "armv7s",
  12: "armv7k",
  15: "armv7m",
  16: "armv7em",
};

/**
 * Mach-O cputype/cpusubtype. The top byte of cpusubtype holds capability bits (pointer
 * authentication on arm64e sets 0x80000000); goblin masks them off before symbolic compares.
 */
export function machoArch(cputype: number, cpusubtype: number): string {
  const sub = cpusubtype & 0x00ff_ffff;
  switch (cputype >>> 0) {
    case CPU_TYPE_X86:
      return sub === 3 ? "x86" : "x86_unknown";
    case CPU_TYPE_X86 | CPU_ARCH_ABI64:
      return sub === 3 ? "x86_64" : sub === 8 ? "x86_64h" : "x86_64_unknown";
    case CPU_TYPE_ARM | CPU_ARCH_ABI64:
      return sub === 0 ? "arm64" : sub === 1 ? "arm64v8" : sub === 2 ? "arm64e" : "arm64_unknown";
    case CPU_TYPE_ARM | CPU_ARCH_ABI64_32:
      return sub === 0 ? "arm64_32" : sub === 1 ? "arm64_32_v8" : "arm64_32_unknown";
    case CPU_TYPE_ARM:
      return ARM_SUBTYPES[sub] ?? "arm_unknown";
    case CPU_TYPE_POWERPC:
      return sub === 0 ? "ppc" : "unknown";
    case CPU_TYPE_POWERPC | CPU_ARCH_ABI64:
      return sub === 0 ? "ppc64" : "unknown";
    default:
      return "unknown";
  }
}

/** COFF machine (PE header, PDB DBI header), through the `pdb` crate's MachineType mapping. */
export function coffArch(machine: number): string {
  switch (machine) {
    case 0x014c:
      return "x86";
    case 0x8664:
      return "x86_64";
    case 0x01c0:
      return "arm";
    case 0xaa64:
      return "arm64";
    case 0x01f0:
      return "ppc";
    default:
      return "unknown";
  }
}

/**
 * Breakpad MODULE line arch, parsed like symbolic's `Arch::from_str` (case-insensitive, with the
 * aliases Breakpad's dump_syms writes). Undefined for a name symbolic does not know, which makes
 * the whole file invalid.
 */
const KNOWN_ARCH_NAMES = new Set([
  "unknown",
  "x86",
  "x86_unknown",
  "x86_64",
  "x86_64h",
  "x86_64_unknown",
  "arm",
  "armv5",
  "armv6",
  "armv6m",
  "armv7",
  "armv7f",
  "armv7s",
  "armv7k",
  "armv7m",
  "armv7em",
  "arm_unknown",
  "arm64",
  "arm64v8",
  "arm64e",
  "arm64_unknown",
  "arm64_32",
  "arm64_32_v8",
  "arm64_32_unknown",
  "ppc",
  "ppc64",
  "mips",
  "mips64",
  "wasm32",
]);
const ARCH_ALIASES: Record<string, string> = {
  i386: "x86",
  amd64: "x86_64",
  "x86-64": "x86_64",
  "arm-64": "arm64",
};

export function parseArchName(name: string): string | undefined {
  const lower = name.toLowerCase();
  const aliased = ARCH_ALIASES[lower] ?? lower;
  return KNOWN_ARCH_NAMES.has(aliased) ? aliased : undefined;
}
