import { describe, expect, it } from "vitest";
import { cursorWindow, formatCursor, pageLinks, parseCursor } from "../../../src/routes/cursor";

describe("Sentry cursors over catalog ids", () => {
  it("reads next and previous cursors and nothing else", () => {
    expect(parseCursor("40:0:0")).toEqual({ direction: "next", id: 40 });
    expect(parseCursor("40:0:1")).toEqual({ direction: "previous", id: 40 });
    for (const bad of [undefined, "", "40", "40:1:0", "-1:0:0", "x:0:0", "40:0:2", "1234567890123456:0:0"]) {
      expect(parseCursor(bad)).toBeNull();
    }
  });

  it("round-trips", () => {
    expect(formatCursor({ direction: "previous", id: 7 })).toBe("7:0:1");
    expect(parseCursor(formatCursor({ direction: "next", id: 7 }))).toEqual({ direction: "next", id: 7 });
  });

  it("turns a cursor into the catalog window", () => {
    expect(cursorWindow(null)).toEqual({});
    expect(cursorWindow({ direction: "next", id: 9 })).toEqual({ beforeId: 9 });
    expect(cursorWindow({ direction: "previous", id: 9 })).toEqual({ afterId: 9 });
  });

  describe("links around a page (ids newest first)", () => {
    it("first page: no previous, next while there is more", () => {
      const links = pageLinks([30, 29, 28], null, true);
      expect(links.previous.results).toBe(false);
      expect(links.next).toEqual({ cursor: "28:0:0", results: true });
      expect(pageLinks([3, 2, 1], null, false).next.results).toBe(false);
    });

    it("a page reached going forward always has a previous page", () => {
      const links = pageLinks([20, 19], { direction: "next", id: 21 }, false);
      expect(links.previous).toEqual({ cursor: "20:0:1", results: true });
      expect(links.next.results).toBe(false);
    });

    it("a page reached going back has a next page, and a previous one only when more were found", () => {
      expect(pageLinks([25, 24], { direction: "previous", id: 23 }, true).previous.results).toBe(true);
      const top = pageLinks([25, 24], { direction: "previous", id: 23 }, false);
      expect(top.previous.results).toBe(false);
      expect(top.next).toEqual({ cursor: "24:0:0", results: true });
    });

    it("an empty page links nowhere", () => {
      const links = pageLinks([], { direction: "next", id: 5 }, false);
      expect(links.previous.results).toBe(false);
      expect(links.next.results).toBe(false);
    });
  });
});
