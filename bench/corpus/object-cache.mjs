/**
 * The build directory of one flavor (format + compiler mix): the generated sources, written only
 * when their text changes, and one object file per unit, cached under a key of everything that
 * decides its bytes (compiler command, tool versions, the unit's text, the headers it includes),
 * so that any size reuses every unit an earlier build of the same flavor compiled.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { corpusUnits, moduleHeader, moduleSpec, moduleUnit } from "./cpp-gen.mjs";
import { clock, run, seconds, sha256 } from "./exec.mjs";
import { MACHO_SHIMS, compileCommand } from "./toolchain.mjs";

const HERE = dirname(new URL(import.meta.url).pathname);
const HAS_GNU_TIME = existsSync("/usr/bin/time");

/** Scripts that only measure or report: they do not decide a byte of any output. */
const REPORTING_ONLY = ["oracle.mjs", "gsym-baseline.mjs", "manifest.mjs", "exec.mjs"];

/** Files of the generator itself: any change to them changes every output's key. */
export function generatorFiles(dir = HERE) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? generatorFiles(join(dir, e.name)) : [join(dir, e.name)]))
    .filter((p) => /\.(mjs|h|cpp)$/.test(p) && !REPORTING_ONLY.includes(relative(HERE, p)))
    .sort();
}

function writeIfChanged(path, text) {
  if (existsSync(path) && readFileSync(path, "utf8") === text) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * Write the sources of modules [0, modules) and the core library into the build directory;
 * return one compile job per unit: {object, cmd, args, key, compiler}.
 */
export function writeSources(cfg, modules, versions) {
  const { buildDir, format, seed } = cfg;
  const coreDir = join(HERE, "core");
  const coreFiles = generatorFiles(coreDir);
  for (const file of coreFiles) {
    const rel = relative(coreDir, file);
    writeIfChanged(join(buildDir, rel.startsWith("src/") ? rel : join("include", rel)), readFileSync(file, "utf8"));
  }
  if (format === "macho") {
    for (const [path, text] of Object.entries(MACHO_SHIMS)) writeIfChanged(join(buildDir, path), text);
  }
  const coreHash = sha256(coreFiles.map((f) => readFileSync(f)).join("\0") + JSON.stringify(MACHO_SHIMS));
  const headerHash = new Map();
  for (let i = 0; i < modules; i++) {
    const text = moduleHeader(seed, i);
    writeIfChanged(join(buildDir, "include", moduleSpec(seed, i).header), text);
    headerHash.set(moduleSpec(seed, i).header, sha256(text));
  }
  const runtime = readFileSync(join(coreDir, "src/runtime.cpp"), "utf8");
  const units = [{ module: -1, path: "src/runtime.cpp", text: runtime, includes: [] }];
  for (const u of corpusUnits(seed, modules)) {
    const { text, includes } = moduleUnit(seed, u.module, u.unit);
    writeIfChanged(join(buildDir, u.path), text);
    units.push({ ...u, text, includes });
  }
  return units.map((u) => {
    const compiler = cfg.moduleCompiler(u.module);
    const object = `obj/${u.path.replace(/\.cpp$/, ".o")}`;
    const [cmd, args] = compileCommand(format, compiler, buildDir, u.path, `${object}.tmp`);
    const key = sha256(
      JSON.stringify([cmd, args, versions, coreHash, u.text, u.includes.map((h) => headerHash.get(h))]),
    );
    return { object, cmd, args, key, compiler };
  });
}

/** Compile every unit whose object is missing or stale, `cfg.jobs` at a time. */
export async function compileAll(cfg, units) {
  const { buildDir, jobs } = cfg;
  const stale = units.filter((u) => {
    const keyFile = join(buildDir, `${u.object}.key`);
    return !(existsSync(join(buildDir, u.object)) && existsSync(keyFile) && readFileSync(keyFile, "utf8") === u.key);
  });
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  let lastReport = t0;
  let failure;
  const report = (force) => {
    const now = performance.now();
    if (!force && now - lastReport < 15000) return;
    lastReport = now;
    const elapsed = seconds(t0);
    const left = done ? (elapsed / done) * (stale.length - done) : NaN;
    console.error(
      `  compiled ${done}/${stale.length} units (${units.length - stale.length} reused), ${clock(elapsed)}` +
        (done && done < stale.length ? `, about ${clock(left)} left` : ""),
    );
  };
  const worker = async () => {
    while (next < stale.length && !failure) {
      const u = stale[next++];
      mkdirSync(dirname(join(buildDir, u.object)), { recursive: true });
      try {
        // GNU time records the compiler's CPU seconds next to the object: build times measured on
        // a shared machine say little, the CPU a unit costs does (and it adds up across sizes).
        if (HAS_GNU_TIME) {
          await run("/usr/bin/time", ["-f", "%U %S", "-o", `${u.object}.cpu`, u.cmd, ...u.args], { cwd: buildDir });
        } else {
          await run(u.cmd, u.args, { cwd: buildDir });
        }
        renameSync(join(buildDir, `${u.object}.tmp`), join(buildDir, u.object));
        writeFileSync(join(buildDir, `${u.object}.key`), u.key);
      } catch (err) {
        failure ??= err;
      }
      done++;
      report(false);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, stale.length) }, worker));
  if (failure) throw failure;
  if (stale.length) report(true);
  return { compiled: stale.length, seconds: seconds(t0) };
}

/** CPU seconds (user + system) the compiler spent on the units, summed; NaN if any is unknown. */
export function compileCpuSeconds(cfg, units) {
  let sum = 0;
  for (const u of units) {
    const path = join(cfg.buildDir, `${u.object}.cpu`);
    if (!existsSync(path)) return NaN;
    const [user, system] = readFileSync(path, "utf8").trim().split("\n").pop().split(" ").map(Number);
    sum += user + system;
  }
  return sum;
}
