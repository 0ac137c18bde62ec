import { describe, expect, it } from "vitest";
import { formatBytes, shortId, timeAgo, utcTime } from "../../../src/ui/format";
import { projectRows } from "../../../src/ui/project-rows";

describe("formatting for the page", () => {
  it("writes sizes in binary units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(24.2 * 1024 * 1024)).toBe("24.2 MiB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MiB");
    expect(formatBytes(2 * 1024 ** 3)).toBe("2.0 GiB");
  });

  it("writes times as a short age, and the exact time in UTC", () => {
    const now = Date.parse("2026-03-10T12:00:00Z");
    expect(timeAgo("2026-03-10T11:59:30Z", now)).toBe("just now");
    expect(timeAgo("2026-03-10T11:55:00Z", now)).toBe("5 min ago");
    expect(timeAgo("2026-03-10T09:00:00Z", now)).toBe("3 h ago");
    expect(timeAgo("2026-03-09T12:00:00Z", now)).toBe("1 day ago");
    expect(timeAgo("2026-01-01T00:00:00Z", now)).toBe("2026-01-01");
    expect(timeAgo("garbage", now)).toBe("unknown");
    expect(utcTime("2026-03-10T11:55:42.123Z")).toBe("2026-03-10 11:55 UTC");
    expect(shortId("ea12398f-3c5a-c7b2-4c56-17488bdb6729")).toBe("ea12398f…");
  });
});

describe("the projects table", () => {
  it("merges projects with files and projects that only have uploads in flight", () => {
    const rows = projectRows(
      [{ project: "app", files: 3, lastUpload: "2026-01-01T00:00:00Z" }],
      [
        { project: "app", checksum: "a".repeat(40), status: { state: "assembling", detail: null }, expiresAt: null },
        { project: "new", checksum: "b".repeat(40), status: { state: "error", detail: "bad" }, expiresAt: null },
        { project: "new", checksum: "c".repeat(40), status: { state: "created", detail: null }, expiresAt: null },
      ],
    );
    expect(rows).toEqual([
      {
        project: "app",
        summary: { project: "app", files: 3, lastUpload: "2026-01-01T00:00:00Z" },
        pending: 1,
        failed: 0,
      },
      { project: "new", summary: null, pending: 1, failed: 1 },
    ]);
  });
});
