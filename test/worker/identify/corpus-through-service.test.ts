/**
 * Every fixture of the corpus, uploaded through the service's HTTP API (chunks, assemble, poll),
 * ends `ok` with the identity `sentry-cli debug-files check` printed for it (debug id, code id,
 * arch, format, kind, features), or `error` with a reason when sentry-cli calls it unusable.
 */
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { assemble, fixture, fixtureNames, mintToken, uploadFile, waitForFile } from "../helpers";

interface Check {
  type: string;
  variants: { debug_id: string; code_id: string | null; arch: string }[];
  features: string;
  is_usable: boolean;
}
interface Expected {
  check: Check | null;
  typeText: string | null;
}

const EXPECTED = inject("expectedIdentities") as Record<string, Expected>;
const KINDS: Record<string, string> = {
  executable: "exe",
  library: "lib",
  "debug companion": "dbg",
  object: "rel",
  sources: "src",
};
const FORMATS: Record<string, string> = { dsym: "macho" };

const names = fixtureNames().filter((n) => EXPECTED[n]);

describe("the fixture corpus through the service", () => {
  it.each(names)("%s", async (name) => {
    const expected = EXPECTED[name] as Expected;
    const token = await mintToken("acme");
    const { checksum, entry } = await uploadFile(token, "acme", fixture(name), name);
    await assemble(token, "acme", "corpus", { [checksum]: entry });
    const done = await waitForFile(token, "acme", "corpus", checksum, entry, 60);
    const check = expected.check;
    const single = check?.is_usable && check.variants.length === 1;
    if (!single) {
      // Unusable to sentry-cli (no id, no features, not a debug file) or a fat archive
      // (sentry-cli splits those itself before uploading): the service says why.
      expect(done.state, JSON.stringify(done)).toBe("error");
      expect(done.detail?.length).toBeGreaterThan(10);
      return;
    }
    expect(done.state, done.detail ?? "").toBe("ok");
    const variant = check.variants[0] as Check["variants"][number];
    const kindText = (expected.typeText ?? "").split(" ").slice(1).join(" ");
    expect(done.dif).toMatchObject({
      debugId: variant.debug_id,
      codeId: variant.code_id ?? null,
      cpuName: variant.arch,
      symbolType: FORMATS[check.type] ?? check.type,
      data: { type: KINDS[kindText], features: check.features.split(", ").filter(Boolean) },
    });
  }, 60_000); // a dwz file waits for its alternate file (about 10 s) before its symcache is built
});
