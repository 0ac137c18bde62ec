/**
 * The fixture corpus against sentry-cli 3.8.0: for every file in test/fixtures/files, our
 * identity must equal what `sentry-cli debug-files check` printed, field by field, or, where
 * sentry-cli refused the file, we must refuse it for the same reason.
 */
import { describe, expect, it } from "vitest";
import { identify } from "../../../src/identify/index";
import type { IdentifyFailure } from "../../../src/identify/types";
import { counting, fixture, fixtureNames, FORMAT_WORDS, KIND_WORDS, loadExpected, type Expected } from "./helpers";

const expected = loadExpected();
const names = fixtureNames();

/** Which failure reason answers a sentry-cli refusal. */
function expectedFailure(e: Expected): IdentifyFailure["reason"] | "identity" {
  const check = e.check;
  if (!check) return "unsupported_format"; // sentry-cli could not open it at all
  if (check.variants.length > 1) return "fat_archive"; // sentry-cli reads it; Sentry's server refuses it
  if (check.variants.length === 0) return "malformed"; // sniffed as a format, but did not parse
  if (check.is_usable) return "identity";
  if (check.problem?.startsWith("missing debug identifier")) return "missing_debug_id";
  if (check.problem?.startsWith("missing debug or unwind")) return "no_features";
  throw new Error(`unmapped sentry-cli problem: ${check.problem}`);
}

describe("identify() on the fixture corpus", () => {
  it("has an expectation for every fixture file, and a fixture for every expectation", () => {
    expect(names).toEqual(Object.keys(expected).sort());
  });

  describe.each(names)("%s", (name) => {
    const e = expected[name]!;
    const want = expectedFailure(e);

    if (want === "identity") {
      it("matches sentry-cli's debug id, code id, arch, type and features", async () => {
        const result = await identify(counting(fixture(name)));
        if (!result.ok) throw new Error(`${name}: ${result.failure.reason}: ${result.failure.detail}`);
        const variant = e.check!.variants[0]!;
        const id = result.identity;
        expect({
          debug_id: id.debugId,
          code_id: id.codeId,
          arch: id.arch,
          type: `${FORMAT_WORDS[id.format]} ${KIND_WORDS[id.kind]}`,
          format: FORMAT_WORDS[id.format],
          features: id.features.join(", ") || "none",
        }).toEqual({
          debug_id: variant.debug_id,
          code_id: variant.code_id,
          arch: variant.arch,
          type: e.typeText,
          format: e.check!.type,
          features: e.check!.features,
        });
      });
    } else {
      it(`is refused with ${want}, with a sentence saying why`, async () => {
        const result = await identify(counting(fixture(name)));
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.failure.reason).toBe(want);
        expect(result.failure.detail.length).toBeGreaterThan(20);
        if (want === "fat_archive") {
          for (const v of e.check!.variants) expect(result.failure.detail).toContain(v.arch);
        }
      });
    }

    it("reads only what identification needs", async () => {
      const bytes = fixture(name);
      const reader = counting(bytes);
      await identify(reader);
      // Breakpad has to scan records up to the first STACK line; everything else reads headers.
      const budget = name.endsWith(".sym") ? 2 * bytes.byteLength + 4096 : Math.max(16 * 1024, bytes.byteLength * 0.1);
      expect(reader.bytesRead).toBeLessThanOrEqual(budget);
    });
  });
});
