/**
 * Vixie-cron schedules, in UTC, for the inactivity sweep (docs/spec.md §4).
 *
 * Why this is strict and exact: every date Keyward promises an admin ("this key will be deleted on …",
 * "you will be warned 15 days before") is computed from the sweep schedule. A schedule that is misread,
 * or one that silently never fires, would break the no-surprise guarantee, so anything that is not
 * plain Vixie cron is refused with a message saying what and where, and an expression that can never
 * fire is refused too. Next/previous fire instants are computed by skipping whole months, days and hours
 * (never minute by minute), because the scheduler asks for them for every key on every tick.
 *
 * Pure: no clock, no I/O. Times are epoch milliseconds; fire instants are whole minutes.
 */

import { MONTH_NAMES } from "./clock.js";

export class CronError extends Error {
  override readonly name = "CronError";
  /** The field at fault ("minute", "hour", "day of month", "month", "day of week"), when there is one. */
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(field === undefined ? message : `field "${field}": ${message}`);
    this.field = field;
  }
}

export interface Cron {
  /** The expression as given (trimmed). */
  readonly expr: string;
  /** The first fire instant ≥ t (a whole minute, UTC), or null when there is none within 400 years. */
  nextAtOrAfter(t: number): number | null;
  /** The last fire instant ≤ t, or null when there is none within the 400 years before t. */
  prevAtOrBefore(t: number): number | null;
  /** Whether t is exactly a fire instant (a whole minute that matches every field). */
  matches(t: number): boolean;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/**
 * The Gregorian calendar repeats every 400 years (146 097 days, a whole number of weeks), so an
 * expression that fires at all fires within any 400-year window: searching that far is exact.
 */
const HORIZON_YEARS = 401;

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Three-letter names, lower case, for values starting at `min`. */
  readonly names?: readonly string[];
  readonly what: string;
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59, what: "a minute (0-59)" },
  { name: "hour", min: 0, max: 23, what: "an hour (0-23)" },
  { name: "day of month", min: 1, max: 31, what: "a day of month (1-31)" },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    what: "a month (1-12 or jan-dec)",
  },
  {
    name: "day of week",
    min: 0,
    max: 7,
    names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
    what: "a day of week (0-7 or sun-sat, 0 and 7 are Sunday)",
  },
];

/** The Vixie-cron shorthands that stand for a schedule (`@reboot` is not one). */
const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

export function parseCron(expr: string): Cron {
  if (typeof expr !== "string") throw new CronError("a cron expression must be a string");
  const trimmed = expr.trim();
  if (trimmed === "") throw new CronError("the cron expression is empty");
  let body = trimmed;
  if (trimmed.startsWith("@")) {
    const macro = MACROS[trimmed.toLowerCase()];
    if (macro === undefined) {
      throw new CronError(
        `"${trimmed}" is not a schedule; use five fields or one of ${Object.keys(MACROS).join(", ")}`,
      );
    }
    body = macro;
  }
  const parts = body.split(/\s+/);
  if (parts.length !== 5) {
    const hint = parts.length === 6 ? " (seconds and years are not supported)" : "";
    throw new CronError(
      `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}${hint}`,
    );
  }
  const sets = parts.map((text, i) => parseField(text, FIELDS[i]!));
  const schedule = new Schedule(trimmed, parts as [string, string, string, string, string], sets);
  if (schedule.nextAtOrAfter(0) === null) {
    throw new CronError(
      `never fires: day of month "${parts[2]}" does not occur in month "${parts[3]}"${monthHint(sets[3]!)}`,
    );
  }
  return schedule;
}

/** " (February has at most 29 days)" when the month field names a single month. */
function monthHint(months: Uint8Array): string {
  const only = months.indexOf(1);
  if (only < 0 || months.lastIndexOf(1) !== only) return "";
  return ` (${MONTH_NAMES[only - 1]} has at most ${only === 2 ? 29 : MONTH_DAYS[only]} days)`;
}

/** The values a field allows, as a 0/1 array indexed by value (0..max). */
function parseField(text: string, spec: FieldSpec): Uint8Array {
  const set = new Uint8Array(spec.max + 1);
  const fail = (message: string): never => {
    throw new CronError(message, spec.name);
  };
  for (const element of text.split(",")) {
    if (element === "") fail(`empty element in list "${text}"`);
    if (/[?#]/.test(element) || /^(l|lw|\d+[lw]|l-\d+)$/i.test(element)) {
      fail(`"${element}" is not supported: L, W, # and ? are not Vixie cron`);
    }
    const slash = element.split("/");
    if (slash.length > 2) fail(`"${element}" has more than one "/"`);
    const [rangeText, stepText] = slash as [string, string | undefined];
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) fail(`step "${stepText}" in "${element}" is not a number`);
      step = Number(stepText);
      if (step < 1 || step > spec.max) fail(`step ${step} in "${element}" is out of range 1-${spec.max}`);
    }
    let lo: number;
    let hi: number;
    if (rangeText === "*") {
      lo = spec.min;
      hi = spec.max;
    } else if (rangeText.includes("-")) {
      const ends = rangeText.split("-");
      if (ends.length !== 2 || ends[0] === "" || ends[1] === "") fail(`"${element}" is not a range a-b`);
      lo = parseValue(ends[0]!, spec, fail);
      hi = parseValue(ends[1]!, spec, fail);
      // `fri-sun`: Sunday closing a range is day 7, as a reader means it.
      if (spec.names !== undefined && spec.min === 0 && hi === 0 && /^sun$/i.test(ends[1]!)) hi = 7;
      if (lo > hi) fail(`range "${rangeText}" is reversed; write the smaller value first`);
    } else {
      lo = parseValue(rangeText, spec, fail);
      // `a/n` means `a-max/n`.
      hi = stepText === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) set[v] = 1;
  }
  return set;
}

function parseValue(token: string, spec: FieldSpec, fail: (message: string) => never): number {
  if (/^\d+$/.test(token)) {
    const v = Number(token);
    if (v < spec.min || v > spec.max) fail(`${v} is out of range ${spec.min}-${spec.max}`);
    return v;
  }
  if (spec.names !== undefined) {
    const i = spec.names.indexOf(token.toLowerCase());
    if (i >= 0) return i + spec.min;
  }
  return fail(`"${token}" is not ${spec.what}`);
}

/** next[v] = the smallest allowed value ≥ v (or -1), for v in 0..size; next[size] = -1. */
function nextTable(set: Uint8Array, size: number): Int8Array {
  const t = new Int8Array(size + 1).fill(-1);
  for (let v = size - 1; v >= 0; v--) t[v] = set[v] ? v : t[v + 1]!;
  return t;
}

/** prev[v] = the largest allowed value ≤ v (or -1), for v in 0..size-1. */
function prevTable(set: Uint8Array, size: number): Int8Array {
  const t = new Int8Array(size).fill(-1);
  let last = -1;
  for (let v = 0; v < size; v++) {
    if (set[v]) last = v;
    t[v] = last;
  }
  return t;
}

class Schedule implements Cron {
  private readonly nextMinute: Int8Array;
  private readonly prevMinute: Int8Array;
  private readonly nextHour: Int8Array;
  private readonly prevHour: Int8Array;
  private readonly months: Uint8Array;
  private readonly nextMonth: Int8Array;
  private readonly prevMonth: Int8Array;
  private readonly dom: Uint8Array;
  private readonly nextDom: Int8Array;
  private readonly prevDom: Int8Array;
  /** Allowed days of week, 0 = Sunday (7 folded onto 0). */
  private readonly dow: Uint8Array;
  /** Vixie: when either day field starts with `*`, a day must match both; otherwise either. */
  private readonly dayAnd: boolean;
  private readonly minutes: Uint8Array;
  private readonly hours: Uint8Array;

  constructor(
    readonly expr: string,
    parts: readonly [string, string, string, string, string],
    sets: readonly Uint8Array[],
  ) {
    const [minutes, hours, dom, months, dow] = sets as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    this.minutes = minutes;
    this.hours = hours;
    this.nextMinute = nextTable(minutes, 60);
    this.prevMinute = prevTable(minutes, 60);
    this.nextHour = nextTable(hours, 24);
    this.prevHour = prevTable(hours, 24);
    this.months = months;
    this.nextMonth = nextTable(months, 13);
    this.prevMonth = prevTable(months, 13);
    this.dom = dom;
    this.nextDom = nextTable(dom, 32);
    this.prevDom = prevTable(dom, 32);
    this.dow = new Uint8Array(7);
    for (let d = 0; d < 7; d++) this.dow[d] = dow[d]! | (d === 0 ? dow[7]! : 0);
    this.dayAnd = parts[2].startsWith("*") || parts[4].startsWith("*");
  }

  matches(t: number): boolean {
    if (!Number.isFinite(t) || t % MINUTE !== 0) return false;
    const days = Math.floor(t / DAY);
    const minuteOfDay = (t - days * DAY) / MINUTE;
    const [y, m, d] = civilFromDays(days);
    return (
      this.minutes[minuteOfDay % 60] === 1 &&
      this.hours[Math.floor(minuteOfDay / 60)] === 1 &&
      this.months[m] === 1 &&
      this.dayMatches(d, weekday(daysFromCivil(y, m, d)))
    );
  }

  nextAtOrAfter(t: number): number | null {
    if (!Number.isFinite(t)) throw new RangeError(`nextAtOrAfter: ${t} is not a time`);
    const start = Math.ceil(t / MINUTE) * MINUTE;
    const startDays = Math.floor(start / DAY);
    const minuteOfDay = (start - startDays * DAY) / MINUTE;
    let [y, mo, d] = civilFromDays(startDays);
    let h = Math.floor(minuteOfDay / 60);
    let mi = minuteOfDay % 60;
    const lastYear = y + HORIZON_YEARS;
    while (y <= lastYear) {
      if (!this.months[mo]) {
        const next = this.nextMonth[mo]!;
        if (next < 0) {
          y++;
          mo = this.nextMonth[1]!;
        } else mo = next;
        d = 1;
        h = 0;
        mi = 0;
        continue;
      }
      const day = this.nextDay(y, mo, d);
      if (day < 0) {
        if (++mo > 12) {
          y++;
          mo = 1;
        }
        d = 1;
        h = 0;
        mi = 0;
        continue;
      }
      if (day !== d) {
        d = day;
        h = 0;
        mi = 0;
      }
      const hour = this.nextHour[h]!;
      if (hour < 0) {
        d++;
        h = 0;
        mi = 0;
        continue;
      }
      if (hour !== h) {
        h = hour;
        mi = 0;
      }
      const minute = this.nextMinute[mi]!;
      if (minute < 0) {
        h++;
        mi = 0;
        continue;
      }
      return daysFromCivil(y, mo, d) * DAY + h * HOUR + minute * MINUTE;
    }
    return null;
  }

  prevAtOrBefore(t: number): number | null {
    if (!Number.isFinite(t)) throw new RangeError(`prevAtOrBefore: ${t} is not a time`);
    const start = Math.floor(t / MINUTE) * MINUTE;
    const startDays = Math.floor(start / DAY);
    const minuteOfDay = (start - startDays * DAY) / MINUTE;
    let [y, mo, d] = civilFromDays(startDays);
    let h = Math.floor(minuteOfDay / 60);
    let mi = minuteOfDay % 60;
    const firstYear = y - HORIZON_YEARS;
    while (y >= firstYear) {
      if (!this.months[mo]) {
        const prev = this.prevMonth[mo]!;
        if (prev < 1) {
          y--;
          mo = this.prevMonth[12]!;
        } else mo = prev;
        d = 31;
        h = 23;
        mi = 59;
        continue;
      }
      const day = this.prevDay(y, mo, d);
      if (day < 0) {
        if (--mo < 1) {
          y--;
          mo = 12;
        }
        d = 31;
        h = 23;
        mi = 59;
        continue;
      }
      if (day !== d) {
        d = day;
        h = 23;
        mi = 59;
      }
      const hour = this.prevHour[h]!;
      if (hour < 0) {
        d--;
        h = 23;
        mi = 59;
        continue;
      }
      if (hour !== h) {
        h = hour;
        mi = 59;
      }
      const minute = this.prevMinute[mi]!;
      if (minute < 0) {
        if (--h < 0) {
          d--;
          h = 23;
        }
        mi = 59;
        continue;
      }
      return daysFromCivil(y, mo, d) * DAY + h * HOUR + minute * MINUTE;
    }
    return null;
  }

  private dayMatches(d: number, wd: number): boolean {
    return this.dayAnd ? this.dom[d] === 1 && this.dow[wd] === 1 : this.dom[d] === 1 || this.dow[wd] === 1;
  }

  /** The first matching day ≥ d in the month, or -1. */
  private nextDay(y: number, mo: number, d: number): number {
    const last = daysInMonth(y, mo);
    if (d > last) return -1;
    const wd1 = weekday(daysFromCivil(y, mo, 1));
    if (this.dayAnd) {
      for (let day = this.nextDom[d]!; day >= 0 && day <= last; day = this.nextDom[day + 1]!) {
        if (this.dow[(wd1 + day - 1) % 7]) return day;
      }
      return -1;
    }
    for (let day = d; day <= last; day++) {
      if (this.dom[day] || this.dow[(wd1 + day - 1) % 7]) return day;
    }
    return -1;
  }

  /** The last matching day ≤ d in the month (d may exceed the month's length), or -1. */
  private prevDay(y: number, mo: number, d: number): number {
    const first = Math.min(d, daysInMonth(y, mo));
    if (first < 1) return -1;
    const wd1 = weekday(daysFromCivil(y, mo, 1));
    if (this.dayAnd) {
      for (let day = this.prevDom[first]!; day >= 1; day = this.prevDom[day - 1]!) {
        if (this.dow[(wd1 + day - 1) % 7]) return day;
      }
      return -1;
    }
    for (let day = first; day >= 1; day--) {
      if (this.dom[day] || this.dow[(wd1 + day - 1) % 7]) return day;
    }
    return -1;
  }
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m]!;
}

/** 0 = Sunday; day 0 (1970-01-01) was a Thursday. */
function weekday(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

// Howard Hinnant's days_from_civil / civil_from_days: exact, proleptic Gregorian, no Date objects.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}
