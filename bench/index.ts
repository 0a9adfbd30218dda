/**
 * `npm run bench [-- SUITE …]`: runs the named suites in sequence (all of them by default) and
 * prints a summary of every figure, its target and whether it was met. Exits 1 when a target was
 * missed. Absolute numbers depend on the machine and its load; the ratios are what to compare.
 *
 * A suite is a module exporting `run(): Promise<Result[]>` (see lib.ts); add it to SUITES.
 */
import { fmt, loadNote, met, type Result, type Suite } from "./lib.js";

const SUITES: Record<string, { about: string; load: () => Promise<Suite> }> = {
  verify: {
    about: "cached-key verification over HTTP vs the framework's hello-world, one core",
    load: () => import("./verify-http.js"),
  },
  miss: {
    about: "cache-miss verification with 1,000,000 keys in SQLite",
    load: () => import("./verify-miss.js"),
  },
  usage: {
    about: "database writes of use recording per key per flush",
    load: () => import("./usage-writes.js"),
  },
  multinode: {
    about: "several nodes on one PostgreSQL: revocation propagation, throughput two nodes vs one",
    load: () => import("./multinode.js"),
  },
  sdk: {
    about: "@keyward/sdk: cached verify() per second, revocation to the SDK's cache, use reports",
    load: () => import("./sdk.js"),
  },
  webhooks: {
    about: "a revocation's webhook reaching a loopback receiver (p99); outbox deliveries per second",
    load: () => import("./webhooks.js"),
  },
  ratelimit: {
    about:
      "rate limits: limiter cost on cached verification; 3 PostgreSQL nodes local overshoot vs bound, strict",
    load: () => import("./rate-limits.js"),
  },
  lifecycle: {
    about: "simulate a year (1,000 agencies, 100,000 keys, 1,000,000 uses); sweeps of 100,000 due keys",
    load: () => import("./lifecycle.js"),
  },
};

function usage(): string {
  const lines = Object.entries(SUITES).map(([name, s]) => `  ${name.padEnd(10)} ${s.about}`);
  return `usage: npm run bench [-- SUITE …]\nsuites (all by default):\n${lines.join("\n")}\n`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

function summary(results: Result[]): string {
  const rows = [["suite", "figure", "value", "unit", "target", "ok", "note"]];
  for (const r of results) {
    const ok = met(r);
    rows.push([
      r.suite,
      r.name,
      fmt(r.value),
      r.unit,
      r.target ? `${r.target.op} ${fmt(r.target.limit)}` : "",
      ok === null ? "" : ok ? "yes" : "MISSED",
      r.note ?? "",
    ]);
  }
  return table(rows);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes("-h") || args.includes("--help")) {
    process.stdout.write(usage());
    return 0;
  }
  const unknown = args.filter((a) => !(a in SUITES));
  if (unknown.length > 0) {
    process.stderr.write(`unknown suite: ${unknown.join(", ")}\n${usage()}`);
    return 2;
  }
  const names = args.length > 0 ? args : Object.keys(SUITES);
  const results: Result[] = [];
  const started = performance.now();
  process.stdout.write(`keyward benchmarks: ${names.join(", ")} (${loadNote()})\n`);
  for (const name of names) {
    const t0 = performance.now();
    process.stdout.write(`\n== ${name}: ${SUITES[name]!.about}\n`);
    const suite = await SUITES[name]!.load();
    results.push(...(await suite.run()));
    process.stdout.write(`== ${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  process.stdout.write(
    `\n== summary (${((performance.now() - started) / 1000).toFixed(0)} s, ${loadNote()})\n${summary(results)}\n`,
  );
  const missed = results.filter((r) => met(r) === false);
  if (missed.length > 0) process.stdout.write(`\n${missed.length} target(s) missed.\n`);
  return missed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
