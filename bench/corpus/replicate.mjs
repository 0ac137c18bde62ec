#!/usr/bin/env node
/**
 * A ~1 GiB DWARF input in minutes instead of the ~13 hours compiling one takes on two cores: the
 * objects of an existing corpus build (make-large-dwarf.mjs) linked N times into one shared
 * library, every copy after the first with its symbols renamed (`objcopy --prefix-symbols=rK_`),
 * so each copy keeps its own functions, COMDAT groups and addresses. The DWARF is what the
 * compilers wrote, N times over: N times the compilation units, line programs, location lists
 * and ranges, while `.debug_str` (deduplicated by the linker) stays one copy's size. Function
 * names in the DWARF are the same in every copy; the symbol table's carry the prefix.
 *
 *   node bench/corpus/replicate.mjs [--copies 4] [--from bench/out/corpus/build/elf-mixed] [--out DIR]
 *
 * Output: DIR/elf-mixed-x<N>/libbigcorpus.so + libbigcorpus.so.debug (stripped binary and its
 * debug companion, as make-large-dwarf.mjs ships them). Renamed objects are cached next to the
 * build (obj-r<K>/), so a second run only relinks. Prints numbers; gates nothing.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { run, seconds } from "./exec.mjs";

const HERE = dirname(new URL(import.meta.url).pathname);
const ROOT = resolve(HERE, "../..");
const MiB = 1024 * 1024;
/** Names the linker provides; a prefixed reference to them would stay undefined. */
const LINKER_DEFINED = ["__dso_handle", "_GLOBAL_OFFSET_TABLE_"];

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const copies = Number(option("--copies", "4"));
const from = resolve(option("--from", join(ROOT, "bench/out/corpus/build/elf-mixed")));
const outRoot = resolve(option("--out", join(ROOT, "bench/out/corpus")));
if (!Number.isInteger(copies) || copies < 2 || copies > 16) {
  console.error("--copies takes a whole number from 2 to 16");
  process.exit(2);
}
const list = join(from, "objects.txt");
if (!existsSync(list)) {
  console.error(`${list} not found: build a corpus first (node bench/corpus/make-large-dwarf.mjs --size 256M)`);
  process.exit(2);
}
const objects = readFileSync(list, "utf8").split("\n").filter(Boolean);

const t0 = performance.now();
const all = [...objects];
const todo = [];
for (let k = 1; k < copies; k++) {
  for (const object of objects) {
    const renamed = join(`obj-r${k}`, object.replace(/^obj\//, ""));
    all.push(renamed);
    if (!existsSync(join(from, renamed))) todo.push({ object, renamed, k });
  }
}
// Two at a time: objcopy is I/O bound and this machine is shared.
for (let i = 0; i < todo.length; i += 2) {
  await Promise.all(
    todo.slice(i, i + 2).map(({ object, renamed, k }) => {
      mkdirSync(dirname(join(from, renamed)), { recursive: true });
      // Symbols the linker defines keep their names: __dso_handle is hidden, so a renamed
      // reference could not be left for the loader.
      const keep = LINKER_DEFINED.flatMap((s) => ["--redefine-sym", `r${k}_${s}=${s}`]);
      return run("objcopy", [`--prefix-symbols=r${k}_`, object, `${renamed}.tmp`], { cwd: from }).then(() =>
        run("objcopy", [...keep, `${renamed}.tmp`, renamed], { cwd: from }).then(() =>
          rmSync(join(from, `${renamed}.tmp`)),
        ),
      );
    }),
  );
}
const renameSeconds = seconds(t0);

const name = `${from.split("/").pop()}-x${copies}`;
const outDir = join(outRoot, name);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(from, `objects-x${copies}.txt`), `${all.join("\n")}\n`);
const linked = join(from, `libbigcorpus-x${copies}.so`);
const t1 = performance.now();
rmSync(linked, { force: true });
await run(
  "clang++-19",
  [
    "-shared",
    "-fuse-ld=lld",
    "-Wl,--build-id=sha1",
    "-Wl,-soname,libbigcorpus.so",
    "-o",
    linked,
    `@objects-x${copies}.txt`,
  ],
  { cwd: from },
);
const linkSeconds = seconds(t1);
const debug = join(outDir, "libbigcorpus.so.debug");
const binary = join(outDir, "libbigcorpus.so");
await run("objcopy", ["--only-keep-debug", linked, debug], { cwd: from });
await run("objcopy", ["--strip-debug", "--strip-unneeded", `--add-gnu-debuglink=${debug}`, linked, binary], {
  cwd: from,
});
rmSync(linked);
console.log(
  `${name}: ${all.length} objects, renamed in ${renameSeconds.toFixed(0)} s, linked in ${linkSeconds.toFixed(0)} s; ` +
    `${binary} ${(statSync(binary).size / MiB).toFixed(1)} MiB, ${debug} ${(statSync(debug).size / MiB).toFixed(1)} MiB`,
);
