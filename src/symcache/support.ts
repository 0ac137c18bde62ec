/**
 * Which debug files get a symcache. Formats the builder reads (DWARF or symbol tables in ELF,
 * Mach-O, PE and WebAssembly; Breakpad text; Windows PDBs; Portable PDBs) must convert, and a conversion error fails the
 * upload, as Sentry's 2018 pipeline reported conversion errors at upload time. Formats it cannot
 * read yet are stored and served (symbol-server routes, downloads) with a note, not rejected.
 */
import type { DebugFileIdentity } from "../identify/types";

export type SymcacheSupport = { supported: true } | { supported: false; detail: string };

export function symcacheSupport(identity: DebugFileIdentity): SymcacheSupport {
  switch (identity.format) {
    case "elf":
    case "macho":
    case "pe":
    case "wasm":
    case "breakpad":
    case "pdb":
    case "portablepdb":
      if (!identity.features.includes("symtab") && !identity.features.includes("debug")) {
        return {
          supported: false,
          detail: "Stored without a symcache: the file has neither symbols nor debug information",
        };
      }
      if (identity.format === "wasm" && identity.kind === "dbg") {
        // No code section (llvm-objcopy --only-keep-debug): WASM DWARF addresses are offsets into
        // the code section, so they cannot be placed in the module. The module with the same
        // debug id answers from its name section meanwhile.
        return {
          supported: false,
          detail:
            "Stored without a symcache: this WebAssembly debug file has no code section, so its DWARF (relative to the code section) cannot be placed in the module. Upload a debug file that keeps the code section (emscripten -gseparate-dwarf and wasm-split write one) or the module with its DWARF",
        };
      }
      return { supported: true };
    case "sourcebundle":
      return { supported: false, detail: "Stored; source bundles carry sources, not symbols" };
    case "bcsymbolmap":
      return {
        supported: false,
        detail: "Stored; a BCSymbolMap names the hidden symbols of a dSYM, whose symcache build reads it",
      };
    case "uuidmap":
      return {
        supported: false,
        detail: `Stored; a UUID map points this dSYM UUID at the BCSymbolMap ${identity.details.originalUuid}`,
      };
  }
}
