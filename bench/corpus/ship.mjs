/**
 * From objects to what a release engineer uploads: link the library in the build directory, then
 * split it into the shipped binary and its debug companion (ELF) or dSYM (Mach-O). Commands run
 * in the build directory so no machine-specific path reaches the outputs.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, seconds } from "./exec.mjs";
import { LIBRARY, MACHO_LINK_ENV, linkCommand } from "./toolchain.mjs";

/** Link the units' objects into DIR/build/<flavor>/<library>; return the seconds it took. */
export async function link(cfg, units) {
  const { buildDir, format } = cfg;
  const library = LIBRARY[format];
  writeFileSync(join(buildDir, "objects.txt"), `${units.map((u) => u.object).join("\n")}\n`);
  const [cmd, args] = linkCommand(format, buildDir, "objects.txt", library);
  const t0 = performance.now();
  rmSync(join(buildDir, library), { force: true });
  await run(cmd, args, { cwd: buildDir, env: format === "macho" ? MACHO_LINK_ENV : undefined });
  return seconds(t0);
}

/**
 * The file that holds the linked library's DWARF: the library itself (ELF, before the split) or
 * the DWARF file of the dSYM that dsymutil-19 builds into `outDir` (Mach-O).
 */
export async function linkedDwarf(cfg, outDir) {
  const { buildDir, format, jobs } = cfg;
  const library = LIBRARY[format];
  if (format === "elf") return { path: join(buildDir, library), seconds: 0 };
  const dsym = join(outDir, `${library}.dSYM`);
  rmSync(dsym, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const t0 = performance.now();
  // In the build directory, so the relative N_OSO paths resolve and the dSYM's relocation map
  // names the binary without a machine-specific path.
  await run("dsymutil-19", ["--num-threads", String(jobs), library, "-o", dsym], { cwd: buildDir });
  return { path: join(dsym, "Contents/Resources/DWARF", library), seconds: seconds(t0) };
}

/** The shipped binary next to its debug companion (ELF) or dSYM (Mach-O): {binary, debug, seconds}. */
export async function split(cfg, outDir) {
  const { buildDir, format } = cfg;
  const library = LIBRARY[format];
  const linked = join(buildDir, library);
  const binary = join(outDir, library);
  const t0 = performance.now();
  if (format === "elf") {
    const debug = join(outDir, `${library}.debug`);
    await run("objcopy", ["--only-keep-debug", linked, debug], { cwd: buildDir });
    await run("objcopy", ["--strip-debug", "--strip-unneeded", `--add-gnu-debuglink=${debug}`, linked, binary], {
      cwd: buildDir,
    });
    rmSync(linked);
    return { binary, debug, seconds: seconds(t0) };
  }
  await run("llvm-strip-19", ["-S", linked, "-o", binary], { cwd: buildDir });
  rmSync(linked);
  return { binary, debug: join(outDir, `${library}.dSYM/Contents/Resources/DWARF`, library), seconds: seconds(t0) };
}
