import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CronError, parseCron } from "../../src/core/cron.js";

const at = (iso: string): number => Date.parse(iso);
const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/** The next `n` fire instants from `from` (inclusive), as ISO strings. */
function fires(expr: string, from: string, n: number): string[] {
  const cron = parseCron(expr);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = cron.nextAtOrAfter(t);
    if (next === null) break;
    out.push(iso(next)!);
    t = next + 1;
  }
  return out;
}

function refusal(expr: string): string {
  try {
    parseCron(expr);
  } catch (e) {
    expect(e).toBeInstanceOf(CronError);
    return (e as Error).message;
  }
  throw new Error(`"${expr}" was accepted`);
}

describe("parseCron: schedules", () => {
  it("the default quarterly sweep fires at midnight UTC on the first of Jan, Apr, Jul and Oct", () => {
    expect(fires("0 0 1 1,4,7,10 *", "2026-02-10T09:30:00Z", 5)).toEqual([
      "2026-04-01T00:00:00.000Z",
      "2026-07-01T00:00:00.000Z",
      "2026-10-01T00:00:00.000Z",
      "2027-01-01T00:00:00.000Z",
      "2027-04-01T00:00:00.000Z",
    ]);
    const cron = parseCron("0 0 1 1,4,7,10 *");
    // A fire instant is at-or-after itself; a millisecond later, the next quarter.
    expect(cron.nextAtOrAfter(at("2026-07-01T00:00:00Z"))).toBe(at("2026-07-01T00:00:00Z"));
    expect(cron.nextAtOrAfter(at("2026-07-01T00:00:00.001Z"))).toBe(at("2026-10-01T00:00:00Z"));
    expect(cron.nextAtOrAfter(at("2026-05-11T09:30:00Z"))).toBe(at("2026-07-01T00:00:00Z"));
    expect(cron.prevAtOrBefore(at("2026-07-01T00:00:00Z"))).toBe(at("2026-07-01T00:00:00Z"));
    expect(cron.prevAtOrBefore(at("2026-06-30T23:59:59.999Z"))).toBe(at("2026-04-01T00:00:00Z"));
    expect(cron.prevAtOrBefore(at("2026-02-10T09:30:00Z"))).toBe(at("2026-01-01T00:00:00Z"));
    expect(cron.expr).toBe("0 0 1 1,4,7,10 *");
  });

  it("a daily sweep at 03:00 UTC", () => {
    expect(fires("0 3 * * *", "2026-02-10T09:30:00Z", 3)).toEqual([
      "2026-02-11T03:00:00.000Z",
      "2026-02-12T03:00:00.000Z",
      "2026-02-13T03:00:00.000Z",
    ]);
    expect(fires("0 3 * * *", "2026-02-10T02:59:59.999Z", 1)).toEqual(["2026-02-10T03:00:00.000Z"]);
    // Across a month end and a year end.
    expect(fires("0 3 * * *", "2026-12-31T03:00:01Z", 2)).toEqual([
      "2027-01-01T03:00:00.000Z",
      "2027-01-02T03:00:00.000Z",
    ]);
    expect(iso(parseCron("0 3 * * *").prevAtOrBefore(at("2027-01-01T02:59:59Z")))).toBe(
      "2026-12-31T03:00:00.000Z",
    );
  });

  it("fire instants are whole minutes: seconds round up for next, down for prev", () => {
    const every = parseCron("* * * * *");
    expect(every.nextAtOrAfter(at("2026-03-01T10:20:00.001Z"))).toBe(at("2026-03-01T10:21:00Z"));
    expect(every.nextAtOrAfter(at("2026-03-01T10:20:00Z"))).toBe(at("2026-03-01T10:20:00Z"));
    expect(every.prevAtOrBefore(at("2026-03-01T10:20:59.999Z"))).toBe(at("2026-03-01T10:20:00Z"));
    expect(every.matches(at("2026-03-01T10:20:00Z"))).toBe(true);
    expect(every.matches(at("2026-03-01T10:20:30Z"))).toBe(false);
  });

  it("Sunday is 0 and 7, and sun in any case", () => {
    const sundays = ["2026-03-01T00:00:00.000Z", "2026-03-08T00:00:00.000Z", "2026-03-15T00:00:00.000Z"];
    for (const expr of ["0 0 * * 0", "0 0 * * 7", "0 0 * * sun", "0 0 * * SUN", "0 0 * * Sun"]) {
      expect(fires(expr, "2026-02-28T12:00:00Z", 3), expr).toEqual(sundays);
    }
    // 0,7 is just Sunday, once.
    expect(fires("0 0 * * 0,7", "2026-02-28T12:00:00Z", 3)).toEqual(sundays);
    // 5-7 and fri-sun: Friday, Saturday, Sunday.
    const weekend = ["2026-03-06T00:00:00.000Z", "2026-03-07T00:00:00.000Z", "2026-03-08T00:00:00.000Z"];
    expect(fires("0 0 * * 5-7", "2026-03-02T00:00:00Z", 3)).toEqual(weekend);
    expect(fires("0 0 * * fri-sun", "2026-03-02T00:00:00Z", 3)).toEqual(weekend);
  });

  it("month and day names, case-insensitive, also in ranges", () => {
    expect(fires("0 0 1 jan,APR,Jul,oCt *", "2026-02-10T00:00:00Z", 2)).toEqual([
      "2026-04-01T00:00:00.000Z",
      "2026-07-01T00:00:00.000Z",
    ]);
    expect(fires("0 12 1 mar-may *", "2026-01-01T00:00:00Z", 4)).toEqual([
      "2026-03-01T12:00:00.000Z",
      "2026-04-01T12:00:00.000Z",
      "2026-05-01T12:00:00.000Z",
      "2027-03-01T12:00:00.000Z",
    ]);
    // Weekdays 2026-03-02 (Mon) … 2026-03-06 (Fri), then Monday again.
    expect(fires("30 8 * * mon-fri", "2026-03-01T00:00:00Z", 6)).toEqual([
      "2026-03-02T08:30:00.000Z",
      "2026-03-03T08:30:00.000Z",
      "2026-03-04T08:30:00.000Z",
      "2026-03-05T08:30:00.000Z",
      "2026-03-06T08:30:00.000Z",
      "2026-03-09T08:30:00.000Z",
    ]);
  });

  it("lists, ranges and steps: */n, a-b/n, and a/n meaning a-max/n", () => {
    expect(fires("*/20 0 1 1 *", "2026-01-01T00:00:00Z", 4)).toEqual([
      "2026-01-01T00:00:00.000Z",
      "2026-01-01T00:20:00.000Z",
      "2026-01-01T00:40:00.000Z",
      "2027-01-01T00:00:00.000Z",
    ]);
    expect(fires("10/20 0 1 1 *", "2026-01-01T00:00:00Z", 4)).toEqual([
      "2026-01-01T00:10:00.000Z",
      "2026-01-01T00:30:00.000Z",
      "2026-01-01T00:50:00.000Z",
      "2027-01-01T00:10:00.000Z",
    ]);
    expect(fires("0 10-20/5 1 1 *", "2026-01-01T00:00:00Z", 4)).toEqual([
      "2026-01-01T10:00:00.000Z",
      "2026-01-01T15:00:00.000Z",
      "2026-01-01T20:00:00.000Z",
      "2027-01-01T10:00:00.000Z",
    ]);
    // Months 2/4 = Feb, Jun, Oct; day of month 25/3 = 25, 28, 31.
    expect(fires("0 0 25/3 2/4 *", "2026-01-01T00:00:00Z", 8)).toEqual([
      "2026-02-25T00:00:00.000Z",
      "2026-02-28T00:00:00.000Z",
      "2026-06-25T00:00:00.000Z",
      "2026-06-28T00:00:00.000Z",
      "2026-10-25T00:00:00.000Z",
      "2026-10-28T00:00:00.000Z",
      "2026-10-31T00:00:00.000Z",
      "2027-02-25T00:00:00.000Z",
    ]);
    // Day of week 1/2 = 1,3,5,7: Monday, Wednesday, Friday, Sunday.
    expect(fires("0 0 * * 1/2", "2026-03-02T00:00:00Z", 5)).toEqual([
      "2026-03-02T00:00:00.000Z",
      "2026-03-04T00:00:00.000Z",
      "2026-03-06T00:00:00.000Z",
      "2026-03-08T00:00:00.000Z",
      "2026-03-09T00:00:00.000Z",
    ]);
    expect(fires("5,1-2,40-41 0 1 1 *", "2026-01-01T00:00:00Z", 5)).toEqual([
      "2026-01-01T00:01:00.000Z",
      "2026-01-01T00:02:00.000Z",
      "2026-01-01T00:05:00.000Z",
      "2026-01-01T00:40:00.000Z",
      "2026-01-01T00:41:00.000Z",
    ]);
  });

  it("when both day fields are restricted, a day matching either fires: 0 0 13 * 5", () => {
    // 2026-02-13 and 2026-03-13 are Fridays; 2026-04-13 is a Monday, 2026-05-13 a Wednesday.
    expect(fires("0 0 13 * 5", "2026-03-14T00:00:00Z", 7)).toEqual([
      "2026-03-20T00:00:00.000Z",
      "2026-03-27T00:00:00.000Z",
      "2026-04-03T00:00:00.000Z",
      "2026-04-10T00:00:00.000Z",
      "2026-04-13T00:00:00.000Z",
      "2026-04-17T00:00:00.000Z",
      "2026-04-24T00:00:00.000Z",
    ]);
    const cron = parseCron("0 0 13 * fri");
    expect(cron.matches(at("2026-05-13T00:00:00Z"))).toBe(true); // a Wednesday, the 13th
    expect(cron.matches(at("2026-05-15T00:00:00Z"))).toBe(true); // a Friday, the 15th
    expect(cron.matches(at("2026-05-14T00:00:00Z"))).toBe(false);
    expect(cron.prevAtOrBefore(at("2026-04-16T00:00:00Z"))).toBe(at("2026-04-13T00:00:00Z"));
  });

  it("when either day field starts with *, a day must match both", () => {
    // Fridays only.
    expect(fires("0 0 * * 5", "2026-03-14T00:00:00Z", 2)).toEqual([
      "2026-03-20T00:00:00.000Z",
      "2026-03-27T00:00:00.000Z",
    ]);
    // The 13th only.
    expect(fires("0 0 13 * *", "2026-03-14T00:00:00Z", 2)).toEqual([
      "2026-04-13T00:00:00.000Z",
      "2026-05-13T00:00:00.000Z",
    ]);
    // */2 starts with *: odd days of month that are also Fridays (2026-03-13, 2026-03-27, 2026-04-03, …).
    expect(fires("0 0 */2 * 5", "2026-03-01T00:00:00Z", 4)).toEqual([
      "2026-03-13T00:00:00.000Z",
      "2026-03-27T00:00:00.000Z",
      "2026-04-03T00:00:00.000Z",
      "2026-04-17T00:00:00.000Z",
    ]);
    // The 13th when it is a Sunday or a Friday (dow starts with *: */5 = 0,5).
    expect(fires("0 0 13 * */5", "2026-03-14T00:00:00Z", 3)).toEqual([
      "2026-09-13T00:00:00.000Z", // Sunday
      "2026-11-13T00:00:00.000Z", // Friday
      "2026-12-13T00:00:00.000Z", // Sunday
    ]);
  });

  it("leap years: 29 February fires only when it exists (not in 2100)", () => {
    expect(fires("0 0 29 2 *", "2026-01-01T00:00:00Z", 2)).toEqual([
      "2028-02-29T00:00:00.000Z",
      "2032-02-29T00:00:00.000Z",
    ]);
    expect(fires("0 0 29 2 *", "2097-01-01T00:00:00Z", 1)).toEqual(["2104-02-29T00:00:00.000Z"]);
    expect(fires("0 0 29 2 *", "2000-01-01T00:00:00Z", 1)).toEqual(["2000-02-29T00:00:00.000Z"]);
    expect(iso(parseCron("0 0 29 feb *").prevAtOrBefore(at("2028-02-28T00:00:00Z")))).toBe(
      "2024-02-29T00:00:00.000Z",
    );
    // The last day of February, leap or not, with a list.
    expect(fires("0 0 28,29 2 *", "2027-01-01T00:00:00Z", 3)).toEqual([
      "2027-02-28T00:00:00.000Z",
      "2028-02-28T00:00:00.000Z",
      "2028-02-29T00:00:00.000Z",
    ]);
    // Rare but real: 29 February on a Sunday (2032, 2060, 2088, then 2128 because 2100 is not leap).
    expect(fires("0 0 29 2 */7", "2061-01-01T00:00:00Z", 2)).toEqual([
      "2088-02-29T00:00:00.000Z",
      "2128-02-29T00:00:00.000Z",
    ]);
  });

  it("the 31st skips short months", () => {
    expect(fires("0 0 31 * *", "2026-01-31T00:00:01Z", 3)).toEqual([
      "2026-03-31T00:00:00.000Z",
      "2026-05-31T00:00:00.000Z",
      "2026-07-31T00:00:00.000Z",
    ]);
    expect(fires("0 0 31 4,5 *", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-05-31T00:00:00.000Z"]);
  });

  it("the Vixie shorthands", () => {
    expect(fires("@daily", "2026-03-01T00:00:01Z", 1)).toEqual(["2026-03-02T00:00:00.000Z"]);
    expect(fires("@weekly", "2026-03-02T00:00:00Z", 1)).toEqual(["2026-03-08T00:00:00.000Z"]);
    expect(fires("@monthly", "2026-03-02T00:00:00Z", 1)).toEqual(["2026-04-01T00:00:00.000Z"]);
    expect(fires("@Yearly", "2026-03-02T00:00:00Z", 1)).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(fires("@hourly", "2026-03-02T00:00:01Z", 1)).toEqual(["2026-03-02T01:00:00.000Z"]);
    expect(parseCron("@daily").expr).toBe("@daily");
  });

  it("whitespace between fields may be any run of spaces and tabs; the expression is trimmed", () => {
    const cron = parseCron("  0\t0  1 1,4,7,10   * ");
    expect(cron.expr).toBe("0\t0  1 1,4,7,10   *");
    expect(cron.nextAtOrAfter(at("2026-02-10T00:00:00Z"))).toBe(at("2026-04-01T00:00:00Z"));
  });

  it("times before 1970 work too", () => {
    expect(fires("0 0 1 1,4,7,10 *", "1969-12-15T00:00:00Z", 1)).toEqual(["1970-01-01T00:00:00.000Z"]);
    expect(iso(parseCron("0 12 * * 3").prevAtOrBefore(at("1969-12-31T00:00:00Z")))).toBe(
      "1969-12-24T12:00:00.000Z",
    );
  });

  it("refuses a time that is not a number", () => {
    expect(() => parseCron("* * * * *").nextAtOrAfter(Number.NaN)).toThrow(RangeError);
  });
});

describe("parseCron: refusals say what and where", () => {
  it.each([
    [
      "0 0 30 2 *",
      'never fires: day of month "30" does not occur in month "2" (February has at most 29 days)',
    ],
    ["0 0 31 4 *", 'never fires: day of month "31" does not occur in month "4" (April has at most 30 days)'],
    [
      "0 0 30,31 feb *",
      'never fires: day of month "30,31" does not occur in month "feb" (February has at most 29 days)',
    ],
    ["0 0 31 2,4,6,9,11 *", 'never fires: day of month "31" does not occur in month "2,4,6,9,11"'],
    [
      "0 0 31 4 */2",
      'never fires: day of month "31" does not occur in month "4" (April has at most 30 days)',
    ],
  ])("never-firing %j", (expr, message) => {
    expect(refusal(expr)).toBe(message);
  });

  it("accepts expressions that fire only rarely, or thanks to the OR rule", () => {
    expect(() => parseCron("0 0 29 2 *")).not.toThrow();
    expect(() => parseCron("0 0 29 2 1")).not.toThrow();
    // Day of week restricted too: any Friday of April fires although April has no 31st.
    expect(fires("0 0 31 4 5", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-04-03T00:00:00.000Z"]);
  });

  it.each([
    ["0 25 * * *", 'field "hour": 25 is out of range 0-23'],
    ["60 0 * * *", 'field "minute": 60 is out of range 0-59'],
    ["0 0 0 * *", 'field "day of month": 0 is out of range 1-31'],
    ["0 0 32 * *", 'field "day of month": 32 is out of range 1-31'],
    ["0 0 1 13 *", 'field "month": 13 is out of range 1-12'],
    ["0 0 1 0 *", 'field "month": 0 is out of range 1-12'],
    ["0 0 * * 8", 'field "day of week": 8 is out of range 0-7'],
    ["0 0 1-40 * *", 'field "day of month": 40 is out of range 1-31'],
    ["0 0 1 foo *", 'field "month": "foo" is not a month (1-12 or jan-dec)'],
    ["0 0 1 january *", 'field "month": "january" is not a month (1-12 or jan-dec)'],
    [
      "0 0 * * monday",
      'field "day of week": "monday" is not a day of week (0-7 or sun-sat, 0 and 7 are Sunday)',
    ],
    ["0 mon * * *", 'field "hour": "mon" is not an hour (0-23)'],
    ["0 0 jan * *", 'field "day of month": "jan" is not a day of month (1-31)'],
    ["x 0 * * *", 'field "minute": "x" is not a minute (0-59)'],
    ["1.5 0 * * *", 'field "minute": "1.5" is not a minute (0-59)'],
    ["-1 0 * * *", 'field "minute": "-1" is not a range a-b'],
    ["1- 0 * * *", 'field "minute": "1-" is not a range a-b'],
    ["1-2-3 0 * * *", 'field "minute": "1-2-3" is not a range a-b'],
    ["5-1 * * * *", 'field "minute": range "5-1" is reversed; write the smaller value first'],
    ["0 0 * * sat-mon", 'field "day of week": range "sat-mon" is reversed; write the smaller value first'],
    ["*/0 * * * *", 'field "minute": step 0 in "*/0" is out of range 1-59'],
    ["*/60 * * * *", 'field "minute": step 60 in "*/60" is out of range 1-59'],
    ["0 */x * * *", 'field "hour": step "x" in "*/x" is not a number'],
    ["0 */ * * *", 'field "hour": step "" in "*/" is not a number'],
    ["0 1/2/3 * * *", 'field "hour": "1/2/3" has more than one "/"'],
    ["0 0 1,,2 * *", 'field "day of month": empty element in list "1,,2"'],
    ["0 0 1, * *", 'field "day of month": empty element in list "1,"'],
    ["0 0 ? * *", 'field "day of month": "?" is not supported: L, W, # and ? are not Vixie cron'],
    ["0 0 L * *", 'field "day of month": "L" is not supported: L, W, # and ? are not Vixie cron'],
    ["0 0 15W * *", 'field "day of month": "15W" is not supported: L, W, # and ? are not Vixie cron'],
    ["0 0 * * 5#3", 'field "day of week": "5#3" is not supported: L, W, # and ? are not Vixie cron'],
    ["0 0 * * 5L", 'field "day of week": "5L" is not supported: L, W, # and ? are not Vixie cron'],
    ["", "the cron expression is empty"],
    ["   ", "the cron expression is empty"],
    ["0 0 1 *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"],
    ["0 0 0 1 * * 2026", "expected 5 fields (minute hour day-of-month month day-of-week), got 7"],
    [
      "0 0 0 1 1 *",
      "expected 5 fields (minute hour day-of-month month day-of-week), got 6 (seconds and years are not supported)",
    ],
    [
      "@reboot",
      '"@reboot" is not a schedule; use five fields or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly',
    ],
    ["every day", "expected 5 fields (minute hour day-of-month month day-of-week), got 2"],
  ])("%j", (expr, message) => {
    expect(refusal(expr)).toBe(message);
  });

  it("CronError names the field", () => {
    try {
      parseCron("0 25 * * *");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CronError);
      expect((e as CronError).field).toBe("hour");
      expect((e as CronError).name).toBe("CronError");
    }
  });

  it("refuses a non-string", () => {
    expect(() => parseCron(42 as unknown as string)).toThrow(CronError);
  });
});

// ---------------------------------------------------------------------------------------------------
// Against a brute-force reference: Date's own calendar, day by day, minute by minute.

interface Generated {
  expr: string;
  sets: Set<number>[];
  domStar: boolean;
  dowStar: boolean;
}

const LIMITS: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

function element(min: number, max: number): fc.Arbitrary<{ text: string; values: number[] }> {
  const range = (lo: number, hi: number, step: number) => {
    const v: number[] = [];
    for (let x = lo; x <= hi; x += step) v.push(x);
    return v;
  };
  const value = fc.integer({ min, max });
  const step = fc.integer({ min: 1, max: Math.min(max, 12) });
  return fc.oneof(
    fc.constant({ text: "*", values: range(min, max, 1) }),
    step.map((s) => ({ text: `*/${s}`, values: range(min, max, s) })),
    value.map((a) => ({ text: `${a}`, values: [a] })),
    fc.tuple(value, value, step).map(([a, b, s]) => ({
      text: `${Math.min(a, b)}-${Math.max(a, b)}/${s}`,
      values: range(Math.min(a, b), Math.max(a, b), s),
    })),
    fc.tuple(value, value).map(([a, b]) => ({
      text: `${Math.min(a, b)}-${Math.max(a, b)}`,
      values: range(Math.min(a, b), Math.max(a, b), 1),
    })),
    fc.tuple(value, step).map(([a, s]) => ({ text: `${a}/${s}`, values: range(a, max, s) })),
  );
}

const generated: fc.Arbitrary<Generated> = fc
  .tuple(...LIMITS.map(([min, max]) => fc.array(element(min, max), { minLength: 1, maxLength: 3 })))
  .map((fields) => {
    const texts = fields.map((els) => els.map((e) => e.text).join(","));
    const sets = fields.map((els) => new Set(els.flatMap((e) => e.values)));
    if (sets[4]!.has(7)) sets[4]!.add(0);
    return {
      expr: texts.join(" "),
      sets,
      domStar: texts[2]!.startsWith("*"),
      dowStar: texts[4]!.startsWith("*"),
    };
  });

function dayMatches(g: Generated, d: Date): boolean {
  const dom = g.sets[2]!.has(d.getUTCDate());
  const dow = g.sets[4]!.has(d.getUTCDay());
  return g.sets[3]!.has(d.getUTCMonth() + 1) && (g.domStar || g.dowStar ? dom && dow : dom || dow);
}

const MIN = 60_000;
const DAY_MS = 86_400_000;
const SEARCH_DAYS = 3 * 366;

function bruteNext(g: Generated, t: number): number | null {
  const start = Math.ceil(t / MIN) * MIN;
  for (let day = Math.floor(start / DAY_MS) * DAY_MS, i = 0; i < SEARCH_DAYS; day += DAY_MS, i++) {
    if (!dayMatches(g, new Date(day))) continue;
    for (let m = 0; m < 1440; m++) {
      const x = day + m * MIN;
      if (x >= start && g.sets[1]!.has(Math.floor(m / 60)) && g.sets[0]!.has(m % 60)) return x;
    }
  }
  return null;
}

function brutePrev(g: Generated, t: number): number | null {
  const start = Math.floor(t / MIN) * MIN;
  for (let day = Math.floor(start / DAY_MS) * DAY_MS, i = 0; i < SEARCH_DAYS; day -= DAY_MS, i++) {
    if (!dayMatches(g, new Date(day))) continue;
    for (let m = 1439; m >= 0; m--) {
      const x = day + m * MIN;
      if (x <= start && g.sets[1]!.has(Math.floor(m / 60)) && g.sets[0]!.has(m % 60)) return x;
    }
  }
  return null;
}

const instant = fc.integer({
  min: Date.parse("1999-01-01T00:00:00Z"),
  max: Date.parse("2105-01-01T00:00:00Z"),
});

describe("parseCron agrees with a brute-force reference", () => {
  it("nextAtOrAfter, prevAtOrBefore and matches", () => {
    fc.assert(
      fc.property(generated, instant, (g, t) => {
        let cron: ReturnType<typeof parseCron>;
        try {
          cron = parseCron(g.expr);
        } catch (e) {
          // Only a never-firing expression may be refused, and then the reference never finds one.
          expect((e as Error).message).toMatch(/^never fires/);
          expect(bruteNext(g, t)).toBeNull();
          return;
        }
        const want = bruteNext(g, t);
        if (want !== null) {
          expect(iso(cron.nextAtOrAfter(t)), g.expr).toBe(iso(want));
          expect(cron.matches(want)).toBe(true);
          if (want > Math.ceil(t / MIN) * MIN) expect(cron.matches(want - MIN)).toBe(false);
        } else {
          const got = cron.nextAtOrAfter(t);
          // Beyond the reference's reach, but still correct.
          expect(got === null || got - t > SEARCH_DAYS * DAY_MS - 2 * DAY_MS).toBe(true);
        }
        const wantPrev = brutePrev(g, t);
        if (wantPrev !== null) expect(iso(cron.prevAtOrBefore(t)), g.expr).toBe(iso(wantPrev));
      }),
      { numRuns: 1000 },
    );
  });
});
