/**
 * The README's "Using it" path, run as written: a fresh `keyward serve` (what `npm start` runs once
 * it has built), the first start's printed password, then every command of the README's block in
 * order — sign in, read the agency id from /api/me, create a location, create a key, call /v2 with
 * it. A line `NAME=prefix…` is what the reader does by hand: it takes the id starting with `prefix`
 * from the answer above it.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const README_URL = "http://127.0.0.1:8080";
const README_PASSWORD = "the-password-npm-start-printed";

/** The shell commands of the README's "Using it" block, continuation lines joined, comments dropped. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Using it"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

function sh(command: string, cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile("bash", ["-c", command], { cwd, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let server: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), "keyward-readme-"));
afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("README", () => {
  it("gets a new user from a fresh start to a successful /v2 call", { timeout: 120_000 }, async () => {
    // The README's URL is fixed before the server starts (KEYWARD_PUBLIC_URL), so the port is found
    // free first; should another process take it before the server binds it, try another.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("KEYWARD_")));
    const start = async (attempt: number) => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      server = spawn(process.execPath, ["bin/keyward.js", "serve"], {
        cwd: ROOT,
        env: {
          ...clean,
          KEYWARD_DATA_DIR: join(dir, `data-${attempt}`),
          KEYWARD_PORT: String(port),
          KEYWARD_PUBLIC_URL: url,
        },
      });
      let stderr = "";
      let stdout = "";
      server.stderr!.on("data", (d) => (stderr += d));
      const password = await new Promise<string>((done, fail) => {
        server!.stdout!.on("data", (d) => {
          stdout += d;
          const printed = /password: (\S+)/.exec(stderr);
          if (stdout.includes("keyward is listening") && printed) done(printed[1]!);
        });
        server!.on("exit", (code) => fail(new Error(`serve exited ${code}: ${stderr}`)));
      });
      return { url, password };
    };
    let started: { url: string; password: string } | undefined;
    for (let attempt = 0; !started; attempt++) {
      try {
        started = await start(attempt);
      } catch (err) {
        if (attempt >= 3 || !/EADDRINUSE/.test(String(err))) throw err;
      }
    }
    const { url, password } = started;

    const commands = readmeCommands();
    expect(commands.filter((c) => c.startsWith("curl"))).toHaveLength(5);
    const vars: Record<string, string> = {};
    let last = "";
    for (const line of commands) {
      const assignment = /^([A-Z_]+)=(\w+?)…$/.exec(line);
      if (assignment) {
        const [, name, prefix] = assignment;
        const id = new RegExp(`\\b${prefix}[0-9A-Za-z]+`).exec(last)?.[0];
        expect(id, `no ${prefix}… in the answer before ${line}: ${last}`).toBeDefined();
        vars[name!] = id!;
        continue;
      }
      const command = line.replaceAll(README_URL, url).replaceAll(README_PASSWORD, password);
      const r = await sh(command, dir, vars);
      expect(r.code, `${line}\n${r.stderr}`).toBe(0);
      expect(r.stdout, line).not.toMatch(/"status":\s*[45]\d\d/);
      last = r.stdout;
    }
    expect(Object.keys(vars)).toEqual(["AGENCY", "LOCATION", "TOKEN"]);
    const answer = JSON.parse(last);
    expect(answer).toMatchObject({ id: vars.LOCATION, name: "Downtown" });
  });
});
