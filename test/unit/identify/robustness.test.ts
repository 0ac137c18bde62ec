/**
 * Hostile input. Every debug file is untrusted: identify() must never throw, never hang, never
 * read more than the file could justify, and answer either an identity or a failure whose
 * detail a person can read. Truncations at structural boundaries, corrupted offsets, sizes and
 * counts, random bytes behind valid magics, and a seeded fuzz run over the whole corpus.
 */
import { describe, expect, it } from "vitest";
import { identify } from "../../../src/identify/index";
import type { IdentifyResult } from "../../../src/identify/types";
import { BufferReader } from "../../../src/common/ranged-reader";
import { CountingReader, fixture, fixtureNames } from "./helpers";
import { mulberry32 } from "../../support/prng.mjs";

const names = fixtureNames();
const corpus = names.map((name) => ({ name, bytes: fixture(name) }));

const DEBUG_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(-[0-9a-f]{1,8})?$/;
const FEATURE_ORDER = ["symtab", "debug", "unwind", "sources"];
/** Per call: what a Worker could afford many times over. */
const TIME_BOUND_MS = 2000;

/** Reads identification may do for a file of `size` bytes: headers plus a few passes at most. */
const readBudget = (size: number) => 8 * size + 64 * 1024;

function expectWellFormed(result: IdentifyResult): void {
  if (result.ok) {
    const id = result.identity;
    expect(id.debugId).toMatch(DEBUG_ID);
    expect(id.codeId === null || /^[0-9a-f]*$/.test(id.codeId)).toBe(true);
    expect(id.arch.length).toBeGreaterThan(0);
    expect(id.features).toEqual(FEATURE_ORDER.filter((f) => id.features.includes(f as never)));
  } else {
    expect(result.failure.detail.trim().length).toBeGreaterThan(10);
    // The catch-all in identify() is a safety net; a parser that needs it has a bug.
    expect(result.failure.detail).not.toMatch(/could not be read/);
  }
}

interface Outcome {
  result: IdentifyResult;
  ms: number;
  bytesRead: number;
}

async function run(bytes: Uint8Array): Promise<Outcome> {
  const reader = new CountingReader(new BufferReader(bytes));
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("identify() did not resolve in time")), TIME_BOUND_MS);
  });
  try {
    const result = await Promise.race([identify(reader), timeout]);
    return { result, ms: performance.now() - started, bytesRead: reader.bytesRead };
  } finally {
    clearTimeout(timer);
  }
}

async function expectSafe(bytes: Uint8Array): Promise<Outcome> {
  const outcome = await run(bytes);
  expectWellFormed(outcome.result);
  expect(outcome.bytesRead).toBeLessThanOrEqual(readBudget(bytes.byteLength));
  return outcome;
}

/** Structural offsets worth cutting at: header ends, table starts/ends, every load command. */
function boundaries(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cuts = new Set<number>([
    1, 2, 4, 7, 8, 12, 15, 16, 17, 20, 24, 28, 32, 33, 40, 52, 56, 60, 63, 64, 65, 128, 320, 512,
  ]);
  const add = (n: number) => Number.isSafeInteger(n) && n > 0 && n < bytes.byteLength && cuts.add(n);
  try {
    if (v.getUint32(0) === 0x7f454c46 && bytes[4] === 2 && bytes[5] === 1) {
      const phoff = Number(v.getBigUint64(32, true));
      const shoff = Number(v.getBigUint64(40, true));
      const phnum = v.getUint16(56, true);
      const shnum = v.getUint16(60, true);
      for (let i = 0; i <= phnum; i++) add(phoff + i * 56);
      for (let i = 0; i <= shnum; i++) add(shoff + i * 64);
    } else if (v.getUint32(0) === 0xcffaedfe) {
      let at = 32;
      for (let i = 0; i < v.getUint32(16, true) && at < bytes.byteLength; i++) {
        add(at);
        add(at + 8);
        at += v.getUint32(at + 4, true) || 8;
      }
    } else if (v.getUint16(0) === 0x4d5a) {
      const pe = v.getUint32(0x3c, true);
      for (const off of [pe, pe + 4, pe + 24, pe + 24 + 96, pe + 24 + 112, pe + 24 + 240, pe + 24 + 280]) add(off);
    }
  } catch {
    // A fixture too short for its own header: the generic cuts cover it.
  }
  for (let i = 1; i < 32; i++) add(Math.floor((bytes.byteLength * i) / 32));
  return [...cuts].filter((c) => c < bytes.byteLength).sort((a, b) => a - b);
}

describe("identify() on hostile input", () => {
  describe("truncation at every structural boundary and a spread of offsets", () => {
    it.each(names)("%s", async (name) => {
      const bytes = fixture(name);
      for (const cut of boundaries(bytes)) await expectSafe(bytes.slice(0, cut));
    });
  });

  describe("offsets, sizes and counts pointing outside the file or absurdly large", () => {
    const EXTREMES = [0, 1, 0x7fff_ffff, 0xffff_ffff, 0x8000_0000, 0x10000];
    it.each(names.filter((n) => !n.endsWith(".sym") && !n.startsWith("neg-")))("%s", async (name) => {
      const bytes = fixture(name);
      // Every aligned 32-bit word of the first 256 bytes (all the headers), set to each extreme.
      for (let at = 0; at + 4 <= Math.min(256, bytes.byteLength); at += 4) {
        for (const value of EXTREMES) {
          const copy = bytes.slice();
          new DataView(copy.buffer).setUint32(at, value, true);
          await expectSafe(copy);
        }
      }
    });
  });

  describe("valid magic on garbage", () => {
    const MAGICS = [
      "\x7fELF\x02\x01",
      "\x7fELF\x01\x02",
      "MZ",
      "Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0",
      "SYSB",
      "MODULE ",
      "\0asm\x01\0\0\0",
      "BSJB",
      "\xcf\xfa\xed\xfe",
      "\xfe\xed\xfa\xce",
      "\xca\xfe\xba\xbe\0\0\0\x03",
    ];
    it.each(MAGICS.map((m) => [JSON.stringify(m), m] as const))("%s", async (_label, magic) => {
      const random = mulberry32(magic.length * 7919);
      for (const size of [16, 17, 31, 64, 100, 512, 4096, 70_000]) {
        for (let round = 0; round < 10; round++) {
          const bytes = new Uint8Array(size);
          for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
          bytes.set(Array.from(magic, (c) => c.charCodeAt(0)).slice(0, size));
          await expectSafe(bytes);
        }
      }
    });
  });

  describe("seeded fuzzing over the corpus", () => {
    it("survives 20000 mutated fixtures (at least 3000 within 20 s): no throw, bounded time and reads, readable failures", async () => {
      const random = mulberry32(0x5eed);
      const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
      let cases = 0;
      let failures = 0;
      let maxBytesRead = 0;
      let maxMs = 0;
      const started = performance.now();
      while (cases < 20_000 && performance.now() - started < 20_000) {
        const { bytes: original } = pick(corpus);
        let bytes = original.slice();
        const view = () => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const mutations = 1 + Math.floor(random() * 6);
        for (let m = 0; m < mutations && bytes.byteLength > 8; m++) {
          // Headers are where the lies hurt: bias mutations to the first 512 bytes.
          const hot = random() < 0.7 ? Math.min(512, bytes.byteLength) : bytes.byteLength;
          const at = Math.floor(random() * (hot - 4));
          switch (Math.floor(random() * 5)) {
            case 0:
              bytes[at] = Math.floor(random() * 256);
              break;
            case 1:
              view().setUint32(
                at,
                pick([0, 0xffff_ffff, 0x7fff_ffff, bytes.byteLength, bytes.byteLength + 1]),
                random() < 0.5,
              );
              break;
            case 2:
              view().setUint16(at, pick([0, 0xffff, 0xff00, 1]), random() < 0.5);
              break;
            case 3:
              bytes = bytes.slice(0, Math.max(16, Math.floor(random() * bytes.byteLength)));
              break;
            case 4:
              // A "load command loop": a size field of 0 or 8 right after a command word.
              view().setUint32(at & ~3, pick([0, 8]), true);
              break;
          }
        }
        const outcome = await expectSafe(bytes);
        cases++;
        if (!outcome.result.ok) failures++;
        maxBytesRead = Math.max(maxBytesRead, outcome.bytesRead);
        maxMs = Math.max(maxMs, outcome.ms);
      }
      const elapsed = performance.now() - started;
      console.info(
        `fuzz: ${cases} cases in ${(elapsed / 1000).toFixed(1)} s, ${failures} refused, max ${maxBytesRead} bytes read, slowest ${maxMs.toFixed(1)} ms`,
      );
      expect(cases).toBeGreaterThanOrEqual(3000);
    });
  });
});
