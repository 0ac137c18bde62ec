/**
 * The manifest.json next to every output: what was built (files with sizes and sha256, ids, debug
 * sections, units, functions), how (command, toolchain, key) and how long it took; the check that
 * lets a finished output be reused; the verification by llvm-dwarfdump and sentry-cli; the summary
 * printed at the end of a run.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { clock, fileSha256, run, seconds } from "./exec.mjs";
import { countFunctionSymbols, countUnits, debugBytes, isDebugSection, readObject } from "./object-info.mjs";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const MiB = 1024 * 1024;

async function describeFile(cfg, path) {
  return { path: relative(cfg.outRoot, path), bytes: statSync(path).size, sha256: await fileSha256(path) };
}

const countBy = (items, f) => items.reduce((acc, x) => ({ ...acc, [f(x)]: (acc[f(x)] ?? 0) + 1 }), {});

/** Describe a finished output and write DIR/<name>/manifest.json. */
export async function writeManifest(cfg, outDir, { name, command, size, modules, units, files, times, versions, key }) {
  const object = readObject(files.debug);
  const manifest = {
    name,
    command,
    format: cfg.format,
    compiler: cfg.compiler,
    seed: cfg.seed,
    target: size,
    modules,
    sourceUnits: units.length,
    unitsByCompiler: countBy(units, (u) => u.compiler),
    codeId: object.codeId,
    debugId: object.debugId,
    imageBase: object.imageBase,
    files: { binary: await describeFile(cfg, files.binary), debug: await describeFile(cfg, files.debug) },
    debugBytes: debugBytes(object.sections),
    sections: object.sections.filter(isDebugSection).map((s) => ({ name: s.name, bytes: s.size })),
    textBytes: object.sections.filter((s) => s.executable).reduce((n, s) => n + s.size, 0),
    dwarfUnits: countUnits(files.debug, object.sections),
    functionSymbols: countFunctionSymbols(files.debug),
    times,
    toolchain: versions,
    key,
  };
  writeFileSync(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The manifest of a finished output built with `key` whose files are all still there, if any. */
export function reusableManifest(cfg, outDir, key) {
  const path = join(outDir, "manifest.json");
  if (!existsSync(path)) return undefined;
  const manifest = JSON.parse(readFileSync(path, "utf8"));
  if (manifest.key !== key) return undefined;
  const intact = Object.values(manifest.files).every((f) => {
    const p = join(cfg.outRoot, f.path);
    return existsSync(p) && statSync(p).size === f.bytes;
  });
  return intact ? manifest : undefined;
}

/**
 * llvm-dwarfdump-19 --verify on the debug file (error categories and counts from its JSON summary)
 * and sentry-cli's check on both files, into the manifest.
 */
export async function verify(cfg, manifest, outDir) {
  const debug = join(cfg.outRoot, manifest.files.debug.path);
  const summaryFile = join(outDir, "dwarfdump-verify.json");
  const t0 = performance.now();
  let ok = true;
  try {
    await run("llvm-dwarfdump-19", ["--verify", "--error-display=quiet", `--verify-json=${summaryFile}`, debug], {
      cwd: outDir,
      timeoutMs: 4 * 60 * 60 * 1000,
    });
  } catch (err) {
    // It exits 1 when it found errors; the JSON summary says which.
    if (!existsSync(summaryFile)) throw err;
    ok = false;
  }
  const summary = JSON.parse(readFileSync(summaryFile, "utf8"));
  const dwarfdump = {
    ok,
    errors: summary["error-count"],
    categories: Object.fromEntries(Object.entries(summary["error-categories"]).map(([k, v]) => [k, v.count])),
    seconds: +seconds(t0).toFixed(1),
  };
  const sentryCli = {};
  for (const file of [manifest.files.binary, manifest.files.debug]) {
    const out = await run(
      join(ROOT, "node_modules/.bin/sentry-cli"),
      ["debug-files", "check", "--json", join(cfg.outRoot, file.path)],
      { cwd: outDir, env: { SENTRY_DISABLE_UPDATE_CHECK: "1" } },
    );
    const check = JSON.parse(out.slice(out.indexOf("{")));
    sentryCli[file.path] = {
      type: check.type,
      usable: check.is_usable,
      ids: check.variants.map((v) => `${v.debug_id} ${v.arch}`),
      features: check.features,
    };
  }
  manifest.verify = { dwarfdump, sentryCli };
  writeFileSync(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

export function printSummary(cfg, m, reused) {
  const mib = (n) => (n / MiB).toFixed(1).padStart(8);
  const t = m.times;
  const lines = [
    "",
    `${m.name}${reused ? " (reused: already built with this key)" : ""}: ` +
      `${(m.debugBytes / MiB).toFixed(1)} MiB of debug sections, target ${m.target.label}`,
    ...Object.values(m.files).map((f) => `  ${join(cfg.outRoot, f.path)}  ${f.bytes} bytes  sha256 ${f.sha256}`),
    `  debug id ${m.debugId}  code id ${m.codeId}  image base 0x${m.imageBase.toString(16)}`,
    ...m.sections.map((s) => `  ${s.name.padEnd(22)}${String(s.bytes).padStart(12)} bytes ${mib(s.bytes)} MiB`),
    `  ${"(all debug sections)".padEnd(22)}${String(m.debugBytes).padStart(12)} bytes ${mib(m.debugBytes)} MiB`,
    `  ${m.dwarfUnits.compile} compile units (DWARF ${Object.keys(m.dwarfUnits.versions).join(", ")}; ` +
      Object.entries(m.unitsByCompiler)
        .map(([c, n]) => `${n} by ${c}`)
        .join(", ") +
      `), ${m.modules} modules, ${m.functionSymbols} function symbols, ${(m.textBytes / MiB).toFixed(1)} MiB of code`,
    `  time: total ${clock(t.total)} = generate ${clock(t.generate)}, compile ${clock(t.compile)} ` +
      `(${t.compiled} units compiled, ${t.reused} reused, ${t.jobs} jobs; ` +
      `all its units together ${clock(t.compileCpu)} of compiler CPU), link ${clock(t.link)} (${t.links}x)` +
      (m.format === "macho" ? `, dsymutil ${clock(t.dsymutil)}` : "") +
      `, split ${clock(t.split)}`,
  ];
  if (m.verify) {
    const d = m.verify.dwarfdump;
    const categories = Object.entries(d.categories).map(([k, n]) => `${n} x ${k}`);
    lines.push(
      `  llvm-dwarfdump-19 --verify (${clock(d.seconds)}): ${d.errors} errors` +
        (categories.length ? `: ${categories.join("; ")}` : ""),
    );
    for (const [path, c] of Object.entries(m.verify.sentryCli)) {
      lines.push(
        `  sentry-cli debug-files check ${path}: ${c.type}, usable ${c.usable}, ${c.ids.join("; ")}, features ${c.features}`,
      );
    }
  }
  console.log(lines.join("\n"));
}
