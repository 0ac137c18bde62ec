import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { BreakpadRecordScanner, identifyBreakpad } from "../../../src/identify/breakpad";
import type { IdentifyResult } from "../../../src/identify/types";
import { BufferReader, type RangedReader } from "../../../src/common/ranged-reader";
import { CountingReader } from "./helpers";

function ok(result: IdentifyResult) {
  if (!result.ok) throw new Error(`${result.failure.reason}: ${result.failure.detail}`);
  return result.identity;
}

const text = (s: string) => new BufferReader(new TextEncoder().encode(s));

describe("Breakpad identification", () => {
  describe("MODULE line", () => {
    it("gives arch and debug id, age appended when > 0", async () => {
      const id = ok(
        await identifyBreakpad(
          text("MODULE windows x86_64 9C1A6E5B3D7F4A2C8E0B1D2F3A4B5C6D2 fixture.pdb\nPUBLIC 10 0 f\n"),
        ),
      );
      expect(id).toMatchObject({
        arch: "x86_64",
        debugId: "9c1a6e5b-3d7f-4a2c-8e0b-1d2f3a4b5c6d-2",
        kind: "dbg",
        codeId: null,
      });
    });
    it.each([
      ["i386", "x86"],
      ["amd64", "x86_64"],
      ["x86-64", "x86_64"],
      ["arm-64", "arm64"],
      ["ARM64", "arm64"],
    ])("accepts the arch alias %s as %s", async (alias, arch) => {
      expect(ok(await identifyBreakpad(text(`MODULE Linux ${alias} 0123456789ABCDEF0123456789ABCDEF0 a\n`))).arch).toBe(
        arch,
      );
    });
    it("rejects an arch symbolic does not know", async () => {
      expect(await identifyBreakpad(text("MODULE Linux sparc 0123456789ABCDEF0123456789ABCDEF0 a\n"))).toMatchObject({
        ok: false,
        failure: { reason: "malformed", detail: 'unknown architecture "sparc" in the Breakpad MODULE line' },
      });
    });
    it("rejects a debug id that is not one", async () => {
      expect(await identifyBreakpad(text("MODULE Linux x86 nothex a\n"))).toMatchObject({
        ok: false,
        failure: { reason: "malformed" },
      });
    });
    it("takes the code id from the INFO CODE_ID record right after MODULE", async () => {
      const id = ok(
        await identifyBreakpad(
          text("MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a\nINFO CODE_ID ABCDEF0123 a.so\nFUNC 0 1 0 f\n"),
        ),
      );
      expect(id.codeId).toBe("abcdef0123");
    });
  });

  describe("features", () => {
    it("only counts PUBLIC and FUNC records before the first STACK record", async () => {
      const id = ok(
        await identifyBreakpad(
          text(
            "MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a\nSTACK CFI INIT 0 1 .cfa: $rsp 8 +\nPUBLIC 1 0 f\nFUNC 2 1 0 g\n",
          ),
        ),
      );
      expect(id.features).toEqual(["unwind"]);
    });
    it("streams a large file in fixed windows instead of holding it", async () => {
      // A 64 MiB synthetic .sym, produced on demand: FUNC records, then one STACK record at the end.
      const header = new TextEncoder().encode("MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 big\n");
      const line = new TextEncoder().encode("FUNC 1000 10 0 some_function_name_padding_padding\n");
      const tail = new TextEncoder().encode("PUBLIC 5 0 p\nSTACK CFI INIT 0 1 .cfa: $rsp 8 +\n");
      const size = 64 * 1024 * 1024;
      const body = size - header.byteLength - tail.byteLength;
      const synthetic: RangedReader = {
        size,
        read(offset, length) {
          const end = Math.min(size, offset + length);
          const out = new Uint8Array(Math.max(0, end - offset));
          for (let i = 0; i < out.length; i++) {
            const at = offset + i;
            if (at < header.byteLength) out[i] = header[at]!;
            else if (at >= size - tail.byteLength) out[i] = tail[at - (size - tail.byteLength)]!;
            else {
              const rel = at - header.byteLength;
              // Pad the last partial FUNC line with spaces-free filler ending in a newline.
              out[i] =
                rel >= body - (body % line.byteLength)
                  ? at === size - tail.byteLength - 1
                    ? 0x0a
                    : 0x78
                  : line[rel % line.byteLength]!;
            }
          }
          return Promise.resolve(out);
        },
      };
      const reader = new CountingReader(synthetic);
      const id = ok(await identifyBreakpad(reader));
      expect(id.features).toEqual(["symtab", "debug", "unwind"]);
      expect(reader.maxRead).toBeLessThanOrEqual(1024 * 1024);
      expect(reader.reads).toBeLessThan(100);
    });
  });

  describe("record scan fed in pieces (as assembly streams a file)", () => {
    const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "files");
    const samples: [string, Uint8Array][] = [
      ...readdirSync(FIXTURES)
        .filter((n) => n.endsWith(".sym"))
        .map((n): [string, Uint8Array] => [n, new Uint8Array(readFileSync(join(FIXTURES, n)))]),
      ...[
        "MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a\nSTACK CFI INIT 0 1 .cfa: $rsp 8 +\nPUBLIC 1 0 f\n",
        "MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a\nFUNC 2 1 0 g\n1 2 3 4\nSTACK CFI 0 .cfa: $rsp\nPUBLIC 1 0 f",
        "MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a\nPUBLIC 1 0 f\nSTACK WIN 4 0 1 0 0 0 0 0 0 1 0",
        "MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 a\nFUN\nPUBLI\nSTACK",
      ].map((t, i): [string, Uint8Array] => [`text ${i}`, new TextEncoder().encode(t)]),
    ];

    it.each(samples)("%s: any piece sizes give the answer of the ranged scan", async (_, bytes) => {
      const expected = ok(await identifyBreakpad(new BufferReader(bytes))).features;
      let seed = 7;
      for (const maxPiece of [1, 2, 7, 16, 17, 100, 4096]) {
        const scanner = new BreakpadRecordScanner();
        for (let at = 0; at < bytes.byteLength;) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          const n = 1 + (seed % maxPiece);
          scanner.push(bytes.subarray(at, at + n));
          at += n;
        }
        const reader = new CountingReader(new BufferReader(bytes));
        const id = ok(await identifyBreakpad(reader, scanner.finish()));
        expect(id.features, `pieces of up to ${maxPiece} bytes`).toEqual(expected);
        // With the scan given, identification reads only the head (MODULE and INFO lines).
        expect(reader.bytesRead).toBeLessThanOrEqual(320 + 4096);
      }
    });
  });
});
