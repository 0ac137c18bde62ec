import { describe, expect, it } from "vitest";
import {
  contentRange,
  decideRange,
  noneMatch,
  rangeStillValid,
  unsatisfiedRange,
} from "../../../src/symbol-server/http-range";

describe("decideRange", () => {
  const size = 1000;
  it("serves everything without a header", () => {
    expect(decideRange(null, size)).toEqual({ kind: "full" });
    expect(decideRange("", size)).toEqual({ kind: "full" });
  });
  it("reads first-last, open-ended and suffix ranges", () => {
    expect(decideRange("bytes=0-99", size)).toEqual({ kind: "partial", start: 0, end: 100 });
    expect(decideRange("bytes=900-", size)).toEqual({ kind: "partial", start: 900, end: 1000 });
    expect(decideRange("bytes=-10", size)).toEqual({ kind: "partial", start: 990, end: 1000 });
    expect(decideRange("Bytes = 5 - 5", size)).toEqual({ kind: "partial", start: 5, end: 6 });
  });
  it("clamps a last byte past the end and a suffix longer than the file", () => {
    expect(decideRange("bytes=990-5000", size)).toEqual({ kind: "partial", start: 990, end: 1000 });
    expect(decideRange("bytes=-5000", size)).toEqual({ kind: "partial", start: 0, end: 1000 });
  });
  it("answers 416 for a range starting at or past the end, and for an empty suffix", () => {
    expect(decideRange("bytes=1000-", size)).toEqual({ kind: "unsatisfiable" });
    expect(decideRange("bytes=2000-3000", size)).toEqual({ kind: "unsatisfiable" });
    expect(decideRange("bytes=-0", size)).toEqual({ kind: "unsatisfiable" });
    expect(decideRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
  });
  it("ignores what it does not understand: other units, several ranges, reversed ranges", () => {
    expect(decideRange("items=0-1", size)).toEqual({ kind: "full" });
    expect(decideRange("bytes=0-1,5-6", size)).toEqual({ kind: "full" });
    expect(decideRange("bytes=10-5", size)).toEqual({ kind: "full" });
    expect(decideRange("bytes=-", size)).toEqual({ kind: "full" });
  });
  it("formats Content-Range", () => {
    expect(contentRange(0, 100, 1000)).toBe("bytes 0-99/1000");
    expect(unsatisfiedRange(1000)).toBe("bytes */1000");
  });
});

describe("conditional headers", () => {
  const etag = '"0123abcd"';
  it("If-None-Match matches equal, listed, weak and * tags", () => {
    expect(noneMatch('"0123abcd"', etag)).toBe(true);
    expect(noneMatch('"x", "0123abcd"', etag)).toBe(true);
    expect(noneMatch('W/"0123abcd"', etag)).toBe(true);
    expect(noneMatch("*", etag)).toBe(true);
    expect(noneMatch('"other"', etag)).toBe(false);
    expect(noneMatch(null, etag)).toBe(false);
  });
  it("If-Range keeps the range only for the same strong ETag", () => {
    expect(rangeStillValid(null, etag)).toBe(true);
    expect(rangeStillValid('"0123abcd"', etag)).toBe(true);
    expect(rangeStillValid('W/"0123abcd"', etag)).toBe(false);
    expect(rangeStillValid("Wed, 21 Oct 2015 07:28:00 GMT", etag)).toBe(false);
  });
});
