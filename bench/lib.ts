/**
 * Shared pieces of the benchmarks: the `Result` every suite returns, statistics, and small helpers
 * for temporary data directories and CPU pinning. Benchmarks print figures and ratios; they are not
 * tests (nothing here runs in `npm test`).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";

export interface Target {
  /** How `value` must compare with `limit` for the target to be met. */
  op: "<" | "<=" | ">=" | ">";
  limit: number;
}

/** One figure a suite measured. A figure with a target is checked in the summary. */
export interface Result {
  suite: string;
  name: string;
  value: number;
  unit: string;
  target?: Target;
  /** Context worth reading next to the figure (spread, CPU use, sample size …). */
  note?: string;
}

/** Each benchmark module exports a `run()` of this shape. */
export type Suite = { run(): Promise<Result[]> };

export function met(r: Result): boolean | null {
  if (!r.target) return null;
  const { op, limit } = r.target;
  switch (op) {
    case "<":
      return r.value < limit;
    case "<=":
      return r.value <= limit;
    case ">=":
      return r.value >= limit;
    case ">":
      return r.value > limit;
  }
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  return Number(n.toPrecision(digits)).toString();
}

export function log(suite: string, msg: string): void {
  process.stdout.write(`[${suite}] ${msg}\n`);
}

/** A fresh directory under the OS temp dir, removed by the returned function. */
export function tempDir(tag: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `keyward-bench-${tag}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The command prefix that pins a child process to one core, or [] (with the reason) when the
 * machine cannot: no `taskset`, or fewer than two cores to separate server and load generator.
 */
export function pinTo(core: number): { prefix: string[]; warning?: string } {
  if (cpus().length < 2)
    return { prefix: [], warning: "fewer than 2 cores: server and load generator share the CPU" };
  const probe = spawnSync("taskset", ["-c", String(core), "true"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0)
    return { prefix: [], warning: "taskset is not available (util-linux): processes are not pinned" };
  return { prefix: ["taskset", "-c", String(core)] };
}

/** The 1-minute load average and the number of cores, to judge how noisy the machine was. */
export function loadNote(): string {
  return `load average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")} on ${cpus().length} cores`;
}
