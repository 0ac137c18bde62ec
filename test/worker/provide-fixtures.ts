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
  let expected: Record<string, unknown> = {};
  try {
    expected = JSON.parse(readFileSync(join(DIR, "..", "expected.json"), "utf8")) as Record<string, unknown>;
  } catch {
    // no corpus yet
  }
  project.provide("expectedIdentities", expected);
}

declare module "vitest" {
  export interface ProvidedContext {
    fixtures: Record<string, string>;
    expectedIdentities: Record<string, unknown>;
  }
}
