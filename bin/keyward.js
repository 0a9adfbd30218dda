#!/usr/bin/env node
// The `keyward` command. Runs the TypeScript sources through tsx's loader, so a fresh clone needs
// no build step and `npx keyward …` always runs the code in front of you.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/index.ts");
