#!/usr/bin/env node
/**
 * Large, valid, deterministic debug files for the symcache fan-out (issue 9, item 4): a generated
 * C++ program (cpp-gen.mjs) of hundreds to thousands of compilation units, compiled at -O2 -g,
 * linked, and split the way release engineers upload it. See README.md next to this file.
 *
 *   node bench/corpus/make-large-dwarf.mjs --size 256M            # ELF .so + .debug, >= 256 MiB of DWARF
 *   node bench/corpus/make-large-dwarf.mjs --size 25M,256M,1G
 *   node bench/corpus/make-large-dwarf.mjs --format macho --size 100M   # arm64 dylib + dSYM
 *
 * Options: --compiler mixed|clang|gcc (elf; mixed = every third module by g++, the rest by
 * clang-19), --seed N (1), --jobs N (all cores), --out DIR (bench/out/corpus), --verify
 * (llvm-dwarfdump-19 --verify and sentry-cli debug-files check on the outputs).
 *
 * Outputs land in DIR/<format>-<compiler>-<size>/ with a manifest.json. A size is reached by
 * adding modules until the linked debug sections hold at least that many bytes; since a corpus of
 * N modules is a prefix of a larger one and objects are cached per unit (object-cache.mjs),
 * building 1G after 256M compiles only the difference. A finished output whose key (generator
 * files, tool versions, options) matches is reused as is. Run one instance at a time per DIR.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { seconds, sha256 } from "./exec.mjs";
import { printSummary, reusableManifest, verify, writeManifest } from "./manifest.mjs";
import { compileAll, compileCpuSeconds, generatorFiles, writeSources } from "./object-cache.mjs";
import { debugBytes, readObject } from "./object-info.mjs";
import { link, linkedDwarf, split } from "./ship.mjs";
import { toolchainVersions } from "./toolchain.mjs";

const HERE = dirname(new URL(import.meta.url).pathname);
const ROOT = resolve(HERE, "../..");
const MiB = 1024 * 1024;

/**
 * Measured DWARF bytes per module, to pick the first module count; the build then adds modules
 * until the target is reached, so these only need to be close (they save relinks).
 */
const BYTES_PER_MODULE = {
  "elf-mixed": 2.85 * MiB,
  "elf-clang": 2.8 * MiB,
  "elf-gcc": 3.4 * MiB,
  "macho-clang": 2.35 * MiB,
};
/** Aim this much above the target on the first try, so one link usually suffices. */
const FIRST_TRY_MARGIN = 1.03;

const USAGE =
  "usage: node bench/corpus/make-large-dwarf.mjs [--format elf|macho] [--size 25M,256M,1G] " +
  "[--compiler mixed|clang|gcc] [--seed N] [--jobs N] [--out DIR] [--verify]";

function usage(message) {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)([MG])i?B?$/i.exec(text.trim());
  if (!m) usage(`--size takes sizes like 25M, 256M or 1G (MiB/GiB of debug sections), not ${text}`);
  const bytes = Math.round(Number(m[1]) * (m[2].toUpperCase() === "G" ? 1024 * MiB : MiB));
  return { label: text.trim().toUpperCase().replace(/I?B$/, ""), bytes };
}

function parseConfig() {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "256M" },
      format: { type: "string", default: "elf" },
      compiler: { type: "string" },
      seed: { type: "string", default: "1" },
      jobs: { type: "string", default: String(availableParallelism()) },
      out: { type: "string", default: join(ROOT, "bench/out/corpus") },
      verify: { type: "boolean", default: false },
    },
  });
  const format = values.format;
  if (format !== "elf" && format !== "macho") usage(`--format must be elf or macho, not ${format}`);
  const compiler = values.compiler ?? (format === "elf" ? "mixed" : "clang");
  if (!["mixed", "clang", "gcc"].includes(compiler)) usage(`--compiler must be mixed, clang or gcc, not ${compiler}`);
  if (format === "macho" && compiler !== "clang") usage("Mach-O units are compiled by clang-19 only");
  const seed = Number(values.seed);
  const jobs = Number(values.jobs);
  if (!Number.isInteger(seed) || !Number.isInteger(jobs) || jobs < 1) usage("--seed and --jobs take integers");
  const outRoot = resolve(values.out);
  const flavor = `${format}-${compiler}`;
  return {
    format,
    compiler,
    seed,
    jobs,
    outRoot,
    flavor,
    buildDir: join(outRoot, "build", flavor),
    // In the mixed corpus every third module is g++'s (the core runtime, index -1, is clang's).
    moduleCompiler: (index) => (compiler === "mixed" ? (index % 3 === 2 ? "gcc" : "clang") : compiler),
    sizes: values.size.split(",").map(parseSize),
    verify: values.verify,
  };
}

/** Add modules until the linked DWARF reaches the size, then split and describe the output. */
async function build(cfg, size, versions, key, outDir) {
  const t0 = performance.now();
  const times = { generate: 0, compile: 0, link: 0, dsymutil: 0, split: 0 };
  let modules = Math.ceil((size.bytes * FIRST_TRY_MARGIN) / BYTES_PER_MODULE[cfg.flavor]);
  let compiled = 0;
  let links = 0;
  for (;;) {
    console.error(`${cfg.flavor}-${size.label}: ${modules} modules`);
    const tg = performance.now();
    const units = writeSources(cfg, modules, versions);
    times.generate += seconds(tg);
    const c = await compileAll(cfg, units);
    times.compile += c.seconds;
    compiled += c.compiled;
    times.link += await link(cfg, units);
    links++;
    const dwarf = await linkedDwarf(cfg, outDir);
    times.dsymutil += dwarf.seconds;
    const got = debugBytes(readObject(dwarf.path).sections);
    console.error(`  linked: ${(got / MiB).toFixed(1)} MiB of debug sections (target ${size.label})`);
    if (got < size.bytes) {
      // Short: add modules in proportion to the bytes per module measured so far (deterministic,
      // since every byte counted is).
      modules += Math.max(1, Math.ceil(((size.bytes - got) * FIRST_TRY_MARGIN) / (got / modules)));
      continue;
    }
    const files = await split(cfg, outDir);
    times.split = files.seconds;
    const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, +v.toFixed(1)]));
    return writeManifest(cfg, outDir, {
      name: `${cfg.flavor}-${size.label}`,
      command:
        `node bench/corpus/make-large-dwarf.mjs --format ${cfg.format} --compiler ${cfg.compiler} ` +
        `--seed ${cfg.seed} --size ${size.label}`,
      size,
      modules,
      units,
      files,
      times: {
        ...round(times),
        total: +seconds(t0).toFixed(1),
        compiled,
        reused: units.length - compiled,
        links,
        jobs: cfg.jobs,
        // What a cold build of this size costs in compiler CPU, whichever units were reused.
        compileCpu: +compileCpuSeconds(cfg, units).toFixed(1),
      },
      versions,
      key,
    });
  }
}

const cfg = parseConfig();
const versions = toolchainVersions(cfg.format);
const generatorHash = sha256(
  generatorFiles()
    .map((f) => `${relative(HERE, f)}\0${readFileSync(f, "utf8")}`)
    .join("\0"),
);
for (const size of cfg.sizes) {
  const outDir = join(cfg.outRoot, `${cfg.flavor}-${size.label}`);
  const { format, compiler, seed } = cfg;
  const key = sha256(JSON.stringify({ generatorHash, versions, format, compiler, seed, bytes: size.bytes }));
  let manifest = reusableManifest(cfg, outDir, key);
  const reused = Boolean(manifest);
  if (!manifest) {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    mkdirSync(cfg.buildDir, { recursive: true });
    manifest = await build(cfg, size, versions, key, outDir);
  }
  if (cfg.verify) await verify(cfg, manifest, outDir);
  printSummary(cfg, manifest, reused);
}
