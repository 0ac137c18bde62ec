/**
 * Runs in Node before the workerd tests: workerd has no file system, so the fixture files the
 * tests upload are read here and provided (base64) to the tests, which `inject("fixtures")`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

const DIR = join(import.meta.dirname, "..", "fixtures", "files");

export default function setup(project: TestProject): void {
  const fixtures: Record<string, string> = {};
  let names: string[] = [];
  try {
    names = readdirSync(DIR);
  } catch {
    // No corpus yet: tests that need a fixture say so.
  }
  for (const name of names) {
    const path = join(DIR, name);
    if (statSync(path).isFile() && statSync(path).size < 2 * 1024 * 1024) {
      fixtures[name] = readFileSync(path).toString("base64");
    }
  }
  project.provide("fixtures", fixtures);
  project.provide("bitcodeFixtures", bitcodeFixtures());
  let expected: Record<string, unknown> = {};
  try {
    expected = JSON.parse(readFileSync(join(DIR, "..", "expected.json"), "utf8")) as Record<string, unknown>;
  } catch {
    // no corpus yet
  }
  project.provide("expectedIdentities", expected);
}

/** The bitcode dSYM bundle, its BCSymbolMap and the plain dSYM, by relative path (none if absent). */
function bitcodeFixtures(): Record<string, string> {
  const root = join(DIR, "..", "bitcode");
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    let entries: string[] = [];
    try {
      entries = readdirSync(join(root, rel));
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(rel, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else out[path] = readFileSync(join(root, path)).toString("base64");
    }
  };
  walk("");
  return out;
}

declare module "vitest" {
  export interface ProvidedContext {
    fixtures: Record<string, string>;
    expectedIdentities: Record<string, unknown>;
    /** test/fixtures/bitcode (make-bitcode-fixture.sh), by path relative to it. */
    bitcodeFixtures: Record<string, string>;
  }
}
