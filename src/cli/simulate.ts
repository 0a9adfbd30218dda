import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createKeyward } from "../app/keyward.js";
import { createLogger } from "../logger.js";
import {
  eventLine,
  parseScenario,
  type Scenario,
  ScenarioError,
  type SimEvent,
  type SimulateOptions,
  type SimulateResult,
  simulate as simulateOn,
} from "../scheduler/simulate.js";
import { type Command, UsageError } from "./command.js";

const USAGE = `keyward simulate --scenario FILE [--json]

Runs the inactivity lifecycle of a scenario (docs/spec.md §4 "Simulation"; format in docs/lifecycle.md) on a
temporary database under a virtual clock and prints every event: with --json one JSON object per line,
otherwise readable lines (and a progress bar on a terminal). An invalid scenario exits with status 2.`;

function human(e: SimEvent): string {
  const at = e.at.replace("T", " ");
  const day = (s: string) => s.slice(0, 10);
  switch (e.type) {
    case "warning":
      return `${at}  warning    ${e.account}: ${e.keys.length} key(s) ${e.keys.join(", ")} — ${e.leadDays} day(s) before ${day(e.actionAt)} → ${e.to.join(", ") || "(no admin)"}`;
    case "email":
      return `${at}  e-mail     ${e.agency}: digest of ${e.keys.length} key(s) ${e.keys.join(", ")} for ${day(e.actionAt)} → ${e.to.join(", ")}`;
    case "banner_on":
      return `${at}  banner on  ${e.account}: ${e.keys.length} key(s) ${e.keys.join(", ")} go on ${e.actionAt.replace("T", " ")}`;
    case "banner_off":
      return `${at}  banner off ${e.account} (for ${day(e.actionAt)})`;
    case "deleted":
      return `${at}  deleted    ${e.key}`;
    case "expired":
      return `${at}  expired    ${e.key}`;
    case "kept":
      return `${at}  kept       ${e.key}`;
  }
}

/** Runs a scenario (already parsed) on a fresh instance built by the composition root. */
export function simulate(sc: Scenario, opts: SimulateOptions = {}): Promise<SimulateResult> {
  return simulateOn(
    sc,
    ({ config, clock, onTimeWithinMs, transport }) =>
      createKeyward({
        config,
        clock,
        logger: createLogger("silent"),
        lifecycle: { background: false, onTimeWithinMs, transport },
      }),
    opts,
  );
}

export const simulateCommand: Command = {
  name: "simulate",
  summary: "Run a lifecycle scenario under a virtual clock and print its events",
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { scenario: { type: "string" }, json: { type: "boolean" } },
    });
    if (!values.scenario) throw new UsageError("--scenario FILE is required");
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(values.scenario, "utf8"));
    } catch (e) {
      process.stderr.write(`Cannot read the scenario ${values.scenario}: ${(e as Error).message}\n`);
      return 2;
    }
    let sc: ReturnType<typeof parseScenario>;
    try {
      sc = parseScenario(raw);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    const json = values.json === true;
    const tty = !json && process.stderr.isTTY === true;
    let bar = "";
    const clearBar = () => {
      if (bar) process.stderr.write("\r\x1b[K");
      bar = "";
    };
    const drawBar = (done: number) => {
      if (!tty) return;
      const width = 30;
      const n = Math.round(done * width);
      bar = `[${"#".repeat(n)}${".".repeat(width - n)}] ${Math.round(done * 100)}%`;
      process.stderr.write(`\r${bar}`);
    };
    let count = 0;
    const result = await simulate(sc, {
      onProgress: drawBar,
      onEvents: (events) => {
        clearBar();
        count += events.length;
        process.stdout.write(`${events.map((e) => (json ? eventLine(e) : human(e))).join("\n")}\n`);
      },
    });
    clearBar();
    if (!json)
      process.stdout.write(
        `${count} event(s); ${result.stats.keys} key(s), ${result.stats.uses} successful use(s), ${result.stats.ticks} scheduler run(s)\n`,
      );
    return 0;
  },
};
