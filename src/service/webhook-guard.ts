/**
 * Where webhooks may go (docs/webhooks.md "SSRF rules"): HTTPS only, and never to an address of the
 * deployment's own networks — loopback, private, link-local, cloud metadata, unique-local, CGNAT,
 * multicast, reserved — unless the operator allows a range (KEYWARD_WEBHOOK_ALLOW_PRIVATE), where
 * plain HTTP is accepted too. Checked when an endpoint is saved and again at every connection: the
 * sender connects to the very address this guard resolved and checked (its `lookup`), so a DNS answer
 * that changes between check and use does not get through; redirects are not followed.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import type { Config } from "../config.js";
import { ApiError } from "../core/errors.js";

const BLOCKED_V4 = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata (169.254.169.254)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const;
const BLOCKED_V6 = [
  ["::", 128],
  ["::1", 128],
  ["::", 96], // IPv4-compatible (deprecated): [::127.0.0.1] is ::7f00:1, which some stacks route to IPv4
  ["64:ff9b::", 96], // NAT64: reaches IPv4 addresses
  ["64:ff9b:1::", 48],
  ["100::", 64], // discard
  ["2001::", 23], // IETF protocol assignments (Teredo …)
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4
  ["fc00::", 7], // unique-local, including the EC2 metadata address fd00:ec2::254
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local
  ["ff00::", 8], // multicast
] as const;

export type WebhookTarget = { url: URL; plainHttp: boolean };

export class WebhookGuard {
  private readonly blocked = new BlockList();
  private readonly allowed = new BlockList();

  constructor(allowPrivate: Config["webhookAllowPrivate"]) {
    for (const [a, p] of BLOCKED_V4) this.blocked.addSubnet(a, p, "ipv4");
    for (const [a, p] of BLOCKED_V6) this.blocked.addSubnet(a, p, "ipv6");
    for (const r of allowPrivate) this.allowed.addSubnet(r.address, r.prefix, r.family);
  }

  /** Whether an address may be reached, over HTTPS (`https`) or also over plain HTTP (`any`), or not. */
  classify(address: string): "any" | "https" | "refused" {
    let a = address;
    let family: "ipv4" | "ipv6" = isIP(a) === 6 ? "ipv6" : "ipv4";
    // An IPv4-mapped IPv6 address is the IPv4 address it maps.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
    if (mapped) {
      a = mapped[1]!;
      family = "ipv4";
    }
    if (this.allowed.check(a, family)) return "any";
    if (family === "ipv6" && /^::ffff:/i.test(a)) return "refused"; // hex-written mapped addresses
    return this.blocked.check(a, family) ? "refused" : "https";
  }

  /**
   * Checks an endpoint URL as it is saved: its form, its scheme and where its host resolves now.
   * Throws a 4xx ApiError that says what to fix.
   */
  async checkUrl(raw: string): Promise<WebhookTarget> {
    const target = parseTarget(raw);
    const host = hostOf(target.url);
    const addresses = isIP(host) ? [host] : await resolveAll(host);
    this.judge(target, host, addresses);
    return target;
  }

  /** Refuses a resolved host whose addresses are not all allowed for this scheme. */
  judge(target: WebhookTarget, host: string, addresses: readonly string[]): void {
    for (const a of addresses) {
      const c = this.classify(a);
      if (c === "refused")
        throw new ApiError(
          "webhook_url_forbidden",
          `${host} resolves to ${a}, a loopback, private, link-local or otherwise internal address: webhooks go to public HTTPS endpoints only (an operator may allow a range with KEYWARD_WEBHOOK_ALLOW_PRIVATE).`,
        );
      if (c === "https" && target.plainHttp)
        throw new ApiError(
          "webhook_url_insecure",
          "Webhook URLs must use https:// (plain http:// is accepted only for address ranges the operator allows with KEYWARD_WEBHOOK_ALLOW_PRIVATE).",
        );
    }
  }

  /**
   * A `lookup` for node:http(s) requests: resolves, checks every address, and hands the connection
   * only checked ones. IP literals are never looked up by Node: `checkLiteral` covers them.
   */
  lookupFor(target: WebhookTarget) {
    return (
      hostname: string,
      options: { all?: boolean; family?: number | string },
      cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
    ): void => {
      dnsLookup(hostname, { all: true, verbatim: true }, (err, addrs) => {
        if (err) return cb(err, "", 4);
        try {
          if (addrs.length === 0) throw new Error(`${hostname} has no address`);
          this.judge(
            target,
            hostname,
            addrs.map((a) => a.address),
          );
        } catch (e) {
          return cb(e as Error, "", 4);
        }
        if (options.all) return cb(null, addrs);
        const first = addrs[0]!;
        cb(null, first.address, first.family);
      });
    };
  }

  /** At send time, for a URL whose host is an IP literal (Node connects to it without a lookup). */
  checkLiteral(target: WebhookTarget): void {
    const host = hostOf(target.url);
    if (isIP(host)) this.judge(target, host, [host]);
  }
}

/** The URL's form and scheme, before any lookup. */
export function parseTarget(raw: string): WebhookTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError(
      "webhook_url_invalid",
      "url must be an absolute URL like https://example.com/webhooks.",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new ApiError("webhook_url_invalid", "url must start with https://.");
  if (url.username || url.password)
    throw new ApiError("webhook_url_invalid", "url must not carry a user name or password.");
  if (url.hash) throw new ApiError("webhook_url_invalid", "url must not have a #fragment.");
  return { url, plainHttp: url.protocol === "http:" };
}

/** The host as Node connects to it (IPv6 literals without their brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

async function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addrs) => {
      if (err || addrs.length === 0)
        reject(
          new ApiError(
            "webhook_url_unresolvable",
            `${host} does not resolve to any address: check the host name of the URL.`,
          ),
        );
      else resolve(addrs.map((a) => a.address));
    }),
  );
}
