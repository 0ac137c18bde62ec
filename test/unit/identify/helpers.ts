/**
 * Shared test plumbing: the fixture corpus, sentry-cli's verdicts on it, and a RangedReader
 * that counts what identification reads.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { BufferReader, type RangedReader } from "../../../src/common/ranged-reader";

export const FIXTURES = join(__dirname, "../../fixtures/files");

/** One entry of test/fixtures/expected.json (sentry-cli 3.8.0 `debug-files check --json`). */
export interface Expected {
  check: {
    type: string;
    variants: { debug_id: string; code_id: string | null; arch: string }[];
    features: string;
    is_usable: boolean;
    problem: string | null;
  } | null;
  checkError: string | null;
  typeText: string | null;
}

export function loadExpected(): Record<string, Expected> {
  return JSON.parse(readFileSync(join(__dirname, "../../fixtures/expected.json"), "utf8")) as Record<string, Expected>;
}

export function fixtureNames(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(FIXTURES, path));
    }
  };
  walk(FIXTURES);
  return out.sort();
}

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

/** Wraps a reader and records every read, so tests can bound what identification touches. */
export class CountingReader implements RangedReader {
  bytesRead = 0;
  reads = 0;
  maxRead = 0;
  constructor(private readonly inner: RangedReader) {}
  get size(): number {
    return this.inner.size;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const bytes = await this.inner.read(offset, length);
    this.reads++;
    this.bytesRead += bytes.byteLength;
    this.maxRead = Math.max(this.maxRead, length);
    return bytes;
  }
}

export function counting(bytes: Uint8Array): CountingReader {
  return new CountingReader(new BufferReader(bytes));
}

/** sentry-cli's "Type:" words for symbolic's kinds. */
export const KIND_WORDS: Record<string, string> = {
  none: "file",
  rel: "object",
  exe: "executable",
  lib: "library",
  dump: "memory dump",
  dbg: "debug companion",
  src: "sources",
  other: "file",
};

/** sentry-cli's "Type:" prefix per format (it calls Mach-O "dsym"). */
export const FORMAT_WORDS: Record<string, string> = {
  elf: "elf",
  macho: "dsym",
  pe: "pe",
  pdb: "pdb",
  breakpad: "breakpad",
  wasm: "wasm",
  portablepdb: "portablepdb",
  sourcebundle: "sourcebundle",
};
