/**
 * WebAssembly identity, read the way symbolic's `WasmObject` reads it (symbolic-debuginfo `src/wasm.rs`, getsentry/symbolic).
 *
 * Layout:
 *
 *   "\0asm" | version u32 LE (1)
 *   sections: id u8 | size varuint32 | payload[size]
 *     id 0 (custom): name (varuint32 length + UTF-8) | data
 *     id 3 (function): count varuint32 | type indices
 *
 * Reads: the 8-byte header, then for each section its id and size (6 bytes), plus the name of
 * each custom section, the count of the function section and the data of `build_id`. Section
 * bodies are skipped, so a module of any size costs one small read per section.
 *
 * DECISION: the `build_id` length byte. The tool conventions define the `build_id` payload as
 * a length-prefixed byte vector, and wasm-ld writes it that way (0x10 + 16 bytes for a UUID,
 * 0x14 + 20 bytes for sha1). sentry-cli 3.8.0 (symbolic) takes the whole payload, length byte
 * included, as the build id: code id = hex of all 17/21 bytes, debug id = its first 16 bytes.
 * We reproduce that. The reason is that ids must meet: sentry-cli sends its id with the upload,
 * and Sentry's JavaScript SDK (@sentry/wasm) computes the id in crash reports the same way
 * (hex of `WebAssembly.Module.customSections(module, "build_id")[0]`, length byte included).
 * An id without the length byte would be "correct" and match nothing. The spec-conforming id
 * is kept in `details.buildIdWithoutLength` for the day the ecosystem fixes this.
 *
 * Not reproduced: symbolic validates the whole module with wasmparser (every function body);
 * we only walk the section headers, so a module whose code is invalid but whose sections are
 * well-formed is accepted here and rejected by sentry-cli.
 */
import { readUleb32 } from "./cursor";
import { formatDebugId, padTo16 } from "./debug-id";
import { bytesToHex } from "../common/hex";
import { readRange, readUpTo } from "./read-range";
import { identified, malformed } from "./result";
import type { RangedReader } from "../common/ranged-reader";
import type { Feature } from "../common/debug-file";
import type { IdentifyResult } from "./types";

const CUSTOM = 0;
const FUNCTION = 3;
/** Real modules have tens of sections; this bounds the walk on hostile input. */
const MAX_SECTIONS = 100_000;
/** Custom-section names we care about are short; longer ones are read only this far. */
const MAX_NAME = 64;
/** A build id is 16-32 bytes; a larger `build_id` section is read up to this. */
const MAX_BUILD_ID = 4096;

export async function identifyWasm(reader: RangedReader): Promise<IdentifyResult> {
  const header = await readRange(reader, 0, 8);
  if (!header) return malformed("truncated WebAssembly header");
  const version = (header[4] ?? 0) | ((header[5] ?? 0) << 8) | ((header[6] ?? 0) << 16) | ((header[7] ?? 0) << 24);
  if (version !== 1)
    return malformed(
      `unsupported WebAssembly binary version ${version >>> 0} (only version 1 modules are debug files)`,
    );

  let buildId: Uint8Array | undefined;
  let hasFunctions = false;
  const customNames = new Set<string>();
  let pos = 8;
  for (let n = 0; pos < reader.size; n++) {
    if (n >= MAX_SECTIONS) return malformed("the WebAssembly module has an implausible number of sections");
    const head = await readUpTo(reader, pos, 6);
    const id = head[0]!;
    const size = readUleb32(head, 1);
    if (!size) return malformed(`WebAssembly section ${n} has a truncated or invalid size`);
    const start = pos + 1 + size.length;
    if (start + size.value > reader.size) {
      return malformed(`WebAssembly section ${n} extends past the end of the file`);
    }
    if (id === CUSTOM) {
      const body = await readUpTo(reader, start, Math.min(size.value, 5 + MAX_NAME));
      const nameLen = readUleb32(body, 0);
      if (!nameLen || nameLen.length + nameLen.value > size.value) {
        return malformed(`WebAssembly custom section ${n} has a name longer than the section`);
      }
      const name = new TextDecoder().decode(
        body.subarray(nameLen.length, nameLen.length + Math.min(nameLen.value, MAX_NAME)),
      );
      customNames.add(name);
      if (name === "build_id" && nameLen.value === 8) {
        const dataStart = start + nameLen.length + nameLen.value;
        const dataLen = Math.min(size.value - nameLen.length - nameLen.value, MAX_BUILD_ID);
        buildId = await readRange(reader, dataStart, dataLen);
      }
    } else if (id === FUNCTION) {
      const count = readUleb32(await readUpTo(reader, start, Math.min(size.value, 5)), 0);
      if (!count) return malformed("the WebAssembly function section is truncated");
      hasFunctions = count.value > 0;
    } else if (id > 13) {
      return malformed(`unknown WebAssembly section id ${id} (section ${n})`);
    }
    pos = start + size.value;
  }

  const features: Feature[] = ["symtab"];
  if (customNames.has(".debug_info")) features.push("debug");
  if (customNames.has(".debug_frame")) features.push("unwind");

  const inner = buildId && readUleb32(buildId, 0);
  const withoutLength =
    buildId && inner && inner.length + inner.value === buildId.byteLength
      ? bytesToHex(buildId.subarray(inner.length))
      : null;
  return identified({
    format: "wasm",
    // Nil when the section is missing or shorter than 16 bytes, like symbolic.
    debugId: formatDebugId(buildId && buildId.byteLength >= 16 ? padTo16(buildId) : new Uint8Array(16)),
    codeId: buildId ? bytesToHex(buildId) : null,
    arch: "wasm32",
    kind: hasFunctions ? "lib" : "dbg",
    features,
    details: { buildIdWithoutLength: withoutLength },
  });
}
