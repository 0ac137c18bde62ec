/**
 * Portable PDB symcaches against the metadata itself: every sequence point of the real fixture
 * (mcs-compiled C#, written as a Portable PDB by Mono.Cecil; test/fixtures/make-fixtures.sh),
 * decoded by an independent reader (ppdb-helpers.ts), must come back from the symcache with its
 * document and start line at its own IL offset, at every IL offset up to the next visible
 * point, and past the method's last point (Symbolicator's "nearest preceding sequence point"); offsets
 * before a method's first point answer nothing.
 * The embedded copy inside dotnet-fixture-embedded.dll must answer the same.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { dotnetAddress } from "../../../src/symcache/format";
import type { MemorySymcache } from "../../../src/symcache/reader";
import { buildBytes, FIXTURES, openBytes } from "./helpers";
import { readOracle, type OraclePdb } from "./ppdb-helpers";

const SOURCE_LINK = JSON.parse(readFileSync(`${FIXTURES}../src/dotnet/sourcelink.json`, "utf8")) as {
  documents: Record<string, string>;
};

function expectedLink(path: string): string | undefined {
  for (const [key, url] of Object.entries(SOURCE_LINK.documents)) {
    const prefix = key.replace(/\*$/, "");
    if (path.toLowerCase().startsWith(prefix.toLowerCase())) return url.replace("*", path.slice(prefix.length));
  }
  return undefined;
}

async function symcacheOf(name: string): Promise<MemorySymcache> {
  const input = new Uint8Array(readFileSync(`${FIXTURES}${name}`));
  const started = performance.now();
  const built = await buildBytes(input, "portablepdb");
  if (!built.ok) throw new Error(built.error);
  console.log(
    `${name}: ${input.byteLength} bytes -> symcache ${built.symcache.byteLength} bytes in ${(performance.now() - started).toFixed(1)} ms, peak wasm ${(built.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB, k = ${built.report.ilOffsetBits}`,
  );
  return openBytes(built.symcache);
}

describe("Portable PDB symcache vs. the metadata's sequence points", () => {
  let oracle: OraclePdb;
  let symcache: MemorySymcache;
  beforeAll(async () => {
    oracle = readOracle(new Uint8Array(readFileSync(`${FIXTURES}dotnet-fixture.pdb`)));
    symcache = await symcacheOf("dotnet-fixture.pdb");
  });

  it("has the fixture's shape: three documents, many methods, compiler-generated ones included", () => {
    expect([...oracle.documents].sort()).toEqual([
      "/build/dotnet/Program.cs",
      "/build/dotnet/Shapes.cs",
      "/build/dotnet/Worker.cs",
    ]);
    expect(oracle.methods.size).toBeGreaterThanOrEqual(15);
    expect(symcache.ilOffsetBits).toBeGreaterThan(0);
  });

  it("answers every IL offset with the nearest preceding visible sequence point (100% agreement)", () => {
    let checked = 0;
    let agreed = 0;
    const disagreements: string[] = [];
    for (const [row, points] of oracle.methods) {
      const visible = points.filter((p) => !p.hidden);
      const last = points[points.length - 1]?.il ?? 0;
      for (let il = 0; il <= last + 16; il++) {
        const before = visible.filter((p) => p.il <= il).pop();
        const address = dotnetAddress(row, il, symcache.ilOffsetBits);
        const frames = address === null ? [] : symcache.lookup(address);
        checked++;
        if (!before) {
          // Before the method's first visible point: nothing precedes it, no frame.
          if (frames.length === 0) agreed++;
          else if (disagreements.length < 10)
            disagreements.push(`row ${row} IL ${il}: want none, got ${JSON.stringify(frames)}`);
          continue;
        }
        const path = oracle.documents[before.document - 1] as string;
        const f = frames[0];
        if (
          frames.length === 1 &&
          f?.absPath === path &&
          f.lineno === before.startLine &&
          f.lang === "csharp" &&
          f.sourceLink === expectedLink(path)
        ) {
          agreed++;
        } else if (disagreements.length < 10) {
          disagreements.push(`row ${row} IL ${il}: want ${path}:${before.startLine}, got ${JSON.stringify(frames)}`);
        }
      }
    }
    console.log(`Portable PDB oracle: ${agreed}/${checked} IL offsets agree`);
    expect(disagreements).toEqual([]);
    expect(checked).toBeGreaterThan(500);
  });

  it("clamps IL offsets beyond the layout to the method's last point; methods without points have no frames", () => {
    const [row, points] = [...oracle.methods].pop() as [
      number,
      OraclePdb["methods"] extends Map<number, infer P> ? P : never,
    ];
    const lastVisible = points.filter((p) => !p.hidden).pop();
    const far = dotnetAddress(row, 1_000_000, symcache.ilOffsetBits);
    expect(far).not.toBeNull();
    expect(symcache.lookup(far as number)[0]?.lineno).toBe(lastVisible?.startLine);
    // Abstract methods (Shape.Area) and other bodies without sequence points.
    const rows = oracle.metadata.rows[0x31] ?? 0;
    const without = Array.from({ length: rows }, (_, i) => i + 1).filter((r) => !oracle.methods.has(r));
    expect(without.length).toBeGreaterThan(0);
    for (const r of without) expect(symcache.lookup(dotnetAddress(r, 0, symcache.ilOffsetBits) as number)).toEqual([]);
  });

  it("reads the Portable PDB embedded in a .NET PE to the same answers", async () => {
    const embedded = await symcacheOf("dotnet-fixture-embedded.dll");
    expect(embedded.ilOffsetBits).toBe(symcache.ilOffsetBits);
    for (const [row, points] of oracle.methods) {
      for (const p of points) {
        const address = dotnetAddress(row, p.il, symcache.ilOffsetBits) as number;
        expect(embedded.lookup(address)).toEqual(symcache.lookup(address));
      }
    }
  });

  it("refuses a PE without an embedded Portable PDB with a reason", async () => {
    const built = await buildBytes(new Uint8Array(readFileSync(`${FIXTURES}dotnet-fixture.dll`)), "portablepdb");
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.error).toMatch(/embeds no Portable PDB/);
  });
});
