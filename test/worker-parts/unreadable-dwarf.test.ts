/** Built in parts (a unit per compilation unit), a file whose DWARF is partly unreadable says so too. */
import { describe, expect, it } from "vitest";
import { fillElfSection, secondUnitOffset } from "../support/corrupt-elf-section";
import { fixture, mintToken, uploadAndWait as upload } from "../worker/helpers";

describe("unreadable DWARF, built in parts", () => {
  it("ends ok with the note of the one-piece build", async () => {
    const token = await mintToken("acme");
    const file = fixture("elf-x86_64-gcc-dw5-O2-pie");
    const from = secondUnitOffset(file);
    const partly = await upload(token, "parts-unreadable", fillElfSection(file, ".debug_info", from), "partly");
    expect(partly.state).toBe("ok");
    expect(partly.detail).toContain(`.debug_info is malformed from offset 0x${from.toString(16)} on`);
    const whole = await upload(token, "parts-unreadable", fillElfSection(file, ".debug_info"), "whole");
    expect(whole.state).toBe("ok");
    expect(whole.detail).toMatch(/^The DWARF debug information \(\.debug_info\) could not be read/);
  });
});
