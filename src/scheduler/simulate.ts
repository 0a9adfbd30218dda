/**
 * `keyward simulate` (docs/spec.md §4 "Simulation"), in parts: the scenario (simulate/scenario.ts), the engine
 * that runs it on the real services under a virtual clock (simulate/engine.ts, with the keys it writes
 * in simulate/keys.ts), and its output events (simulate/events.ts). This file is what callers import.
 */
export {
  type OpenSimInstance,
  type SimInstance,
  type SimulateOptions,
  type SimulateResult,
  simulate,
} from "./simulate/engine.js";
export { eventLine, type SimEvent } from "./simulate/events.js";
export { parseScenario, type Scenario, ScenarioError, type ScenarioInput } from "./simulate/scenario.js";
