/**
 * A User-Agent header as a person reads it: "Chrome 131 on Windows", "Safari 18 on iPhone",
 * "curl 8.5". Good enough to recognise one's own browser in the audit log; the full header stays
 * recorded next to it. Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
 */
const BROWSERS: [RegExp, string][] = [
  [/Edg(?:e|A|iOS)?\/(\d+)/, "Edge"],
  [/OPR\/(\d+)/, "Opera"],
  [/Firefox\/(\d+)/, "Firefox"],
  [/FxiOS\/(\d+)/, "Firefox"],
  [/CriOS\/(\d+)/, "Chrome"],
  [/Chrom(?:e|ium)\/(\d+)/, "Chrome"],
  [/Version\/(\d+)[.\d]* (?:Mobile\/\S+ )?Safari\//, "Safari"],
  [/^curl\/([\d.]+)/, "curl"],
  [/^keyward-cli/, "Keyward CLI"],
  [/^node(?:-fetch)?\b|undici/i, "Node.js"],
  [/python-requests\/([\d.]+)/, "Python requests"],
  [/^Go-http-client\/([\d.]+)/, "Go"],
  [/^PostmanRuntime\/([\d.]+)/, "Postman"],
];

const SYSTEMS: [RegExp, string][] = [
  [/iPhone/, "iPhone"],
  [/iPad/, "iPad"],
  [/Android/, "Android"],
  [/CrOS/, "ChromeOS"],
  [/Windows/, "Windows"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Linux/, "Linux"],
];

export function shortUserAgent(ua: string | null): string | null {
  if (!ua) return null;
  let browser: string | null = null;
  for (const [re, name] of BROWSERS) {
    const m = re.exec(ua);
    if (m) {
      browser = m[1] ? `${name} ${m[1]}` : name;
      break;
    }
  }
  const os = SYSTEMS.find(([re]) => re.test(ua))?.[1] ?? null;
  if (browser && os) return `${browser} on ${os}`;
  if (browser) return browser;
  if (os) return `A browser on ${os}`;
  const first = ua.split(/[\s/]/)[0] ?? ua;
  return first.length > 40 ? `${first.slice(0, 39)}…` : first;
}
