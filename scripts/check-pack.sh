#!/usr/bin/env bash
# A production install works: packs this project as npm publishes it (prepack builds dist/ and
# web/dist), installs the tarball with --omit=dev into an empty folder, then runs `keyward --help`
# and `keyward serve` from there and checks /healthz and the console. Run by .ci/run after npm test;
# `npm run check:pack` locally. Exits non-zero on any failure. Takes a minute or two: better-sqlite3
# compiles from source on install.
set -euo pipefail
cd "$(dirname "$0")/.."
# better-sqlite3 builds from source here; node-gyp must use Node's own headers, not download them.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"

work="$(mktemp -d "${TMPDIR:-/tmp}/keyward-pack-XXXXXX")"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "check-pack: FAILED: $*" >&2
  exit 1
}

started=$SECONDS
npm pack --pack-destination "$work" >"$work/pack.log" 2>&1 || { cat "$work/pack.log" >&2; fail "npm pack"; }
tarball="$(ls "$work"/keyward-*.tgz)"
echo "check-pack: packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB) in $((SECONDS - started)) s"
listing="$(tar -tzf "$tarball")"
for f in package/bin/keyward.js package/dist/cli/index.js package/web/dist/index.html; do
  grep -qx "$f" <<<"$listing" || fail "the tarball has no $f"
done
if grep -q '^package/src/' <<<"$listing"; then fail "the tarball ships src/"; fi

started=$SECONDS
app="$work/app"
mkdir -p "$app"
echo '{"name":"keyward-pack-check","private":true}' >"$app/package.json"
(cd "$app" && npm install --omit=dev --no-audit --no-fund --no-package-lock "$tarball") >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "npm install --omit=dev of the tarball"; }
echo "check-pack: installed with --omit=dev in $((SECONDS - started)) s"
for dev in tsx typescript vite; do
  [ ! -e "$app/node_modules/$dev" ] || fail "$dev (a devDependency) was installed"
done

keyward="$app/node_modules/.bin/keyward"
help="$(cd "$app" && env -u KEYWARD_DATA_DIR "$keyward" --help)" || fail "keyward --help exited non-zero"
grep -q "Usage: keyward" <<<"$help" || fail "keyward --help printed: $help"
echo "check-pack: keyward --help works"

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
(cd "$app" && env KEYWARD_DATA_DIR="$work/data" KEYWARD_HOST=127.0.0.1 KEYWARD_PORT="$port" \
  KEYWARD_LOG_LEVEL=warn "$keyward" serve) >"$work/serve.log" 2>&1 &
server=$!
# Polls /healthz for up to 30 s, then asks for the console's page (no curl needed: Node's fetch).
KEYWARD_URL="http://127.0.0.1:$port" SERVER_PID="$server" node --input-type=module -e '
const url = process.env.KEYWARD_URL;
const alive = () => { try { process.kill(Number(process.env.SERVER_PID), 0); return true; } catch { return false; } };
let health = null;
for (let i = 0; i < 150 && alive(); i++) {
  try { const r = await fetch(`${url}/healthz`); health = { status: r.status, body: await r.text() }; break; } catch {}
  await new Promise((r) => setTimeout(r, 200));
}
if (!health || health.status !== 200) { console.error(`GET /healthz: ${health ? health.status : "no answer"}`); process.exit(1); }
console.log(`check-pack: keyward serve answers GET /healthz: ${health.status} ${health.body}`);
const page = await fetch(`${url}/`);
const html = await page.text();
if (page.status !== 200 || !html.includes("<div id=\"root\"")) { console.error(`GET / answered ${page.status}, not the console`); process.exit(1); }
console.log("check-pack: the console is served from the package");
' || { cat "$work/serve.log" >&2; fail "the installed keyward did not serve"; }
echo "check-pack: ok"
