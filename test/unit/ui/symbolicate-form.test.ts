import { describe, expect, it } from "vitest";
import { shownStacktraces, toolRequest } from "../../../src/ui/symbolicate-form";

const errorOf = (r: ReturnType<typeof toolRequest>) => (r.ok ? "(no error)" : r.error);

describe("the symbolicate tool's input", () => {
  it("builds one stacktrace and one module from a debug id and addresses", () => {
    expect(
      toolRequest({
        mode: "addresses",
        module: "EA12398F3C5AC7B24C5617488BDB6729",
        imageAddr: "0x7f0000000000",
        addresses: "0x7f0000001018\n 0x7f0000001059, 139637976731736",
      }),
    ).toEqual({
      ok: true,
      body: {
        stacktraces: [
          {
            frames: [
              { instruction_addr: "0x7f0000001018" },
              { instruction_addr: "0x7f0000001059" },
              { instruction_addr: "139637976731736" },
            ],
          },
        ],
        modules: [{ type: "unknown", debug_id: "ea12398f-3c5a-c7b2-4c56-17488bdb6729", image_addr: "0x7f0000000000" }],
      },
    });
  });

  it("sends addresses relative to the module (rel:0) when the image address is 0 or empty", () => {
    for (const imageAddr of ["", "0", "0x0"]) {
      const r = toolRequest({
        mode: "addresses",
        module: "8f3912ea5a3cb2c74c5617488bdb67295a87868f",
        imageAddr,
        addresses: "0x1018",
      });
      expect(r).toMatchObject({
        ok: true,
        body: {
          stacktraces: [{ frames: [{ instruction_addr: "0x1018", addr_mode: "rel:0" }] }],
          modules: [{ code_id: "8f3912ea5a3cb2c74c5617488bdb67295a87868f" }],
        },
      });
    }
  });

  it("says what is wrong with bad input", () => {
    const addresses = (over: Partial<{ module: string; imageAddr: string; addresses: string }>) =>
      toolRequest({
        mode: "addresses",
        module: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        imageAddr: "0",
        addresses: "0x10",
        ...over,
      });
    expect(errorOf(addresses({ module: "libfoo.so" }))).toContain("debug id");
    expect(errorOf(addresses({ imageAddr: "zz" }))).toContain('"zz" is not an address');
    expect(errorOf(addresses({ addresses: " \n" }))).toContain("one or more addresses");
    expect(errorOf(addresses({ addresses: "0x10 main" }))).toContain('"main" is not an address');
    expect(errorOf(addresses({ addresses: "1 ".repeat(501) }))).toContain("At most 500");
    expect(errorOf(toolRequest({ mode: "json", json: "" }))).toContain("Paste");
    expect(errorOf(toolRequest({ mode: "json", json: "{" }))).toContain("not valid JSON");
    expect(toolRequest({ mode: "json", json: '{"modules": []}' })).toEqual({ ok: true, body: { modules: [] } });
  });
});

describe("the symbolicate tool's output", () => {
  it("groups inline frames back by input address, innermost first, with the address as sent", () => {
    const request = {
      stacktraces: [
        { frames: [{ instruction_addr: "0x7f1018" }, { instruction_addr: 4096 }, { instruction_addr: "0x1" }] },
      ],
    };
    const response = {
      stacktraces: [
        {
          frames: [
            {
              status: "symbolicated",
              original_index: 0,
              function: "clamp_add",
              abs_path: "/src/util.h",
              lineno: 14,
              instruction_addr: "0x7f1018",
            },
            {
              status: "symbolicated",
              original_index: 0,
              function: "compute",
              filename: "calc.c",
              lineno: 11,
              instruction_addr: "0x7f1018",
            },
            { status: "symbolicated", original_index: 1, symbol: "_Z3fooi", lineno: 0, instruction_addr: "0xfff" },
            { status: "unknown_image", original_index: 2, instruction_addr: "0x1" },
          ],
        },
      ],
    };
    expect(shownStacktraces(request, response)).toEqual([
      [
        {
          index: 0,
          status: "symbolicated",
          input: "0x7f1018",
          frames: [
            { function: "clamp_add", file: "/src/util.h", line: 14, instructionAddr: "0x7f1018" },
            { function: "compute", file: "calc.c", line: 11, instructionAddr: "0x7f1018" },
          ],
        },
        {
          index: 1,
          status: "symbolicated",
          input: "0x1000",
          frames: [{ function: "_Z3fooi", file: null, line: null, instructionAddr: "0xfff" }],
        },
        { index: 2, status: "unknown_image", input: "0x1", frames: [] },
      ],
    ]);
    expect(shownStacktraces(null, {})).toEqual([]);
  });
});
