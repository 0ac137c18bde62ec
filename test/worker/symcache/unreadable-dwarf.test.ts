import { describe, expect, it } from "vitest";
import { fillElfSection, secondUnitOffset } from "../../support/corrupt-elf-section";
import { fixture, mintToken, uploadAndWait as upload } from "../helpers";

describe("a file whose DWARF cannot be read", () => {
  it("ends ok with a note naming what could not be read, counted over a small corpus", async () => {
    const token = await mintToken("acme");
    const names = ["elf-x86_64-gcc-dw5-O2-pie", "elf-x86_64-gcc-dw5-O2-pie.debug", "elf-x86_64-clang19-dw5-O2-lld"];
    const answers = [];
    for (const name of names)
      answers.push(await upload(token, "unreadable", fillElfSection(fixture(name), ".debug_info"), name));
    const counts = { okWithNote: 0, other: 0 };
    for (const answer of answers) {
      if (
        answer.state === "ok" &&
        /^The DWARF debug information \(\.debug_info\) could not be read/.test(answer.detail ?? "")
      ) {
        counts.okWithNote++;
      } else counts.other++;
    }
    expect(counts).toEqual({ okWithNote: names.length, other: 0 });
  });

  it("says which part could not be read when the rest could", async () => {
    const token = await mintToken("acme");
    const file = fixture("elf-x86_64-gcc-dw5-O2-pie");
    const from = secondUnitOffset(file);
    const done = await upload(token, "partly", fillElfSection(file, ".debug_info", from), "partly-broken");
    expect(done.state).toBe("ok");
    expect(done.detail).toContain(`.debug_info is malformed from offset 0x${from.toString(16)} on`);
  });

  it("keeps a file read whole free of notes", async () => {
    const token = await mintToken("acme");
    const done = await upload(token, "whole", fixture("elf-x86_64-gcc-dw5-O2-pie"), "whole");
    expect(done).toMatchObject({ state: "ok", detail: null });
  });
});
