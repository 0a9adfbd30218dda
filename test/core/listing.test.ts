/** Paging cursors, CSV cells and short user agents: the pure parts behind the listings and exports. */
import { describe, expect, it } from "vitest";
import { csvCell, csvRow } from "../../src/core/csv.js";
import type { ApiError } from "../../src/core/errors.js";
import { decodeCursor, encodeCursor, likeLiteral, pageOf } from "../../src/core/listing.js";
import { shortUserAgent } from "../../src/core/user-agent.js";

describe("cursors", () => {
  it("round-trip the sort key and id, opaque (base64url)", () => {
    const c = encodeCursor("name:asc", { value: "zapier", id: "key_1" });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c, "name:asc")).toEqual({ value: "zapier", id: "key_1" });
    expect(decodeCursor(encodeCursor("lastUsed:desc", { value: -1, id: "k" }), "lastUsed:desc")).toEqual({
      value: -1,
      id: "k",
    });
  });

  it("refuse a cursor of another sort, or one that is not ours, as invalid_cursor", () => {
    const c = encodeCursor("name:asc", { value: "a", id: "key_1" });
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as ApiError).code;
      }
      return "none";
    };
    expect(code(() => decodeCursor(c, "created:asc"))).toBe("invalid_cursor");
    expect(code(() => decodeCursor("!!", "name:asc"))).toBe("invalid_cursor");
    expect(code(() => decodeCursor(Buffer.from("[1,2]").toString("base64url"), "name:asc"))).toBe(
      "invalid_cursor",
    );
    expect(code(() => decodeCursor(Buffer.from('{"a":1}').toString("base64url"), "name:asc"))).toBe(
      "invalid_cursor",
    );
    expect(
      code(() => decodeCursor(Buffer.from('["name:asc",{},"k"]').toString("base64url"), "name:asc")),
    ).toBe("invalid_cursor");
  });

  it("pageOf serves `limit` rows and a cursor only when a row is left over", () => {
    const rows = [1, 2, 3].map((n) => ({ n, id: `k${n}` }));
    expect(pageOf(rows, 3, "s", (r) => ({ value: r.n, id: r.id })).nextCursor).toBeNull();
    const p = pageOf(rows, 2, "s", (r) => ({ value: r.n, id: r.id }));
    expect(p.rows.map((r) => r.n)).toEqual([1, 2]);
    expect(decodeCursor(p.nextCursor!, "s")).toEqual({ value: 2, id: "k2" });
  });

  it("likeLiteral escapes LIKE's wildcards and its escape character", () => {
    expect(likeLiteral("100%_a\\b")).toBe("100\\%\\_a\\\\b");
  });
});

describe("CSV cells", () => {
  it("quote what needs quoting and neutralise what a spreadsheet would run", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi", then go')).toBe('"say ""hi"", then go"');
    expect(csvCell("=1+2")).toBe("'=1+2");
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-1")).toBe("'-1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(null)).toBe("");
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
    expect(csvRow(["a", 1])).toBe("a,1\r\n");
  });
});

describe("short user agents", () => {
  it("name the browser and system people recognise", () => {
    const cases: [string, string][] = [
      [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Chrome 131 on Windows",
      ],
      [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
        "Edge 131 on Windows",
      ],
      ["Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Linux"],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Safari 18 on iPhone",
      ],
      [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15",
        "Safari 18 on macOS",
      ],
      [
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Chrome 131 on Android",
      ],
      ["curl/8.5.0", "curl 8.5.0"],
      ["keyward-cli", "Keyward CLI"],
      ["SomeBot/1.0", "SomeBot"],
    ];
    for (const [ua, short] of cases) expect(shortUserAgent(ua), ua).toBe(short);
    expect(shortUserAgent(null)).toBeNull();
  });
});
