#!/usr/bin/env node
/**
 * A PDB of hundreds of MiB without hours of compiling: the objects of a bench/pdb-build run
 * linked N times into one program, every copy after the first with its external symbols renamed
 * (`rK_` prefixed in the COFF symbol table, which llvm-objcopy cannot do for COFF), so each copy
 * keeps its own functions, COMDAT sections and addresses. The CodeView is the compiler's, N times
 * over: N times the modules, their symbols and line tables; the type records are merged by
 * lld-link's ghash as in any large build. Private symbols keep their names (the same in every
 * copy); publics carry the prefix.
 *
 *   node bench/pdb-build/replicate.mjs DIR [COPIES=20]
 *
 * DIR: a directory of `node bench/pdb-build/run.mjs` (its objs.rsp and objects). Writes
 * DIR/big-xN/gen.exe + gen.pdb; then `node bench/pdb-build/run.mjs 0 0 DIR/big-xN` measures them.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LINK_ARGS } from "./link.mjs";

const [dir, copiesArg = "20"] = process.argv.slice(2);
const copies = Number(copiesArg);
if (!dir || !existsSync(join(dir, "objs.rsp")) || !Number.isInteger(copies) || copies < 2) {
  console.error("usage: node bench/pdb-build/replicate.mjs DIR [COPIES=20]  (DIR: a bench/pdb-build run)");
  process.exit(2);
}
const IMAGE_SYM_CLASS_EXTERNAL = 2;
const IMAGE_SYM_CLASS_WEAK_EXTERNAL = 105;

/** The object with every external symbol renamed `${prefix}name` (new names appended to the string table). */
function prefixSymbols(obj, prefix) {
  const view = new DataView(obj.buffer, obj.byteOffset, obj.byteLength);
  if (view.getUint16(0, true) !== 0x8664) throw new Error("not an x86-64 COFF object (bigobj is not handled)");
  const symbols = view.getUint32(8, true);
  const count = view.getUint32(12, true);
  const strings = symbols + count * 18;
  const stringsSize = view.getUint32(strings, true);
  if (strings + stringsSize !== obj.byteLength) throw new Error("the string table is not at the end of the object");
  const added = [];
  let next = stringsSize;
  const out = new Uint8Array(obj); // a copy; names are patched in place
  const outView = new DataView(out.buffer);
  const nameOf = (at) => {
    if (view.getUint32(at, true) === 0) {
      const offset = strings + view.getUint32(at + 4, true);
      let end = offset;
      while (obj[end] !== 0) end++;
      return obj.subarray(offset, end);
    }
    const raw = obj.subarray(at, at + 8);
    const nul = raw.indexOf(0);
    return nul < 0 ? raw : raw.subarray(0, nul);
  };
  for (let i = 0; i < count; i++) {
    const at = symbols + i * 18;
    const storage = obj[at + 16];
    const aux = obj[at + 17];
    if (storage === IMAGE_SYM_CLASS_EXTERNAL || storage === IMAGE_SYM_CLASS_WEAK_EXTERNAL) {
      const name = Buffer.concat([Buffer.from(prefix), nameOf(at), Buffer.from([0])]);
      outView.setUint32(at, 0, true);
      outView.setUint32(at + 4, next, true);
      added.push(name);
      next += name.byteLength;
    }
    i += aux;
  }
  const table = Buffer.concat([out.subarray(strings), ...added]);
  new DataView(table.buffer, table.byteOffset).setUint32(0, table.byteLength, true);
  return Buffer.concat([out.subarray(0, strings), table]);
}

const objects = readFileSync(join(dir, "objs.rsp"), "utf8").split("\n").filter(Boolean);
const outDir = join(dir, `big-x${copies}`);
mkdirSync(outDir, { recursive: true });
const t0 = performance.now();
const all = objects.map((o) => join("..", o));
for (let k = 1; k < copies; k++) {
  for (const object of objects) {
    const renamed = `r${k}_${object}`;
    all.push(renamed);
    const path = join(outDir, renamed);
    if (!existsSync(path))
      writeFileSync(path, prefixSymbols(new Uint8Array(readFileSync(join(dir, object))), `r${k}_`));
  }
}
const renameSeconds = (performance.now() - t0) / 1000;
writeFileSync(join(outDir, "objs.rsp"), all.join("\n"));
const t1 = performance.now();
execFileSync("lld-link-19", LINK_ARGS, { cwd: outDir, stdio: "inherit", timeout: 30 * 60_000 });
const MiB = 1024 * 1024;
console.log(
  `${copies} copies of ${objects.length} objects: renamed in ${renameSeconds.toFixed(0)} s, linked in ${((performance.now() - t1) / 1000).toFixed(0)} s; ` +
    `gen.exe ${(statSync(join(outDir, "gen.exe")).size / MiB).toFixed(1)} MiB, gen.pdb ${(statSync(join(outDir, "gen.pdb")).size / MiB).toFixed(1)} MiB`,
);
