/**
 * IP allowlists (issue 13 §2): lists of CIDRs, IPv4 and IPv6, checked as typed and compiled once
 * into a matcher (node:net's BlockList, which also matches an IPv4-mapped IPv6 address such as
 * `::ffff:203.0.113.7` against IPv4 entries). Pure: no I/O.
 */
import { BlockList, isIP } from "node:net";

/** At most this many entries per list (key, location, agency). */
export const MAX_ALLOWLIST_ENTRIES = 100;

export type AllowlistCheck =
  | { ok: true; cidrs: string[]; warnings: string[] }
  | { ok: false; issues: string[] };

/**
 * Checks a list as sent and answers it in canonical form (`a.b.c.d/n`, compressed IPv6, a bare
 * address as /32 or /128, duplicates dropped, order kept), with a warning for each entry that allows
 * every address of its family. Every problem is named, with what to send instead.
 */
export function checkAllowlist(entries: readonly string[]): AllowlistCheck {
  const issues: string[] = [];
  const warnings: string[] = [];
  if (entries.length > MAX_ALLOWLIST_ENTRIES)
    return {
      ok: false,
      issues: [
        `at most ${MAX_ALLOWLIST_ENTRIES} entries; this list has ${entries.length}: merge neighbouring ranges into wider CIDRs`,
      ],
    };
  const cidrs: string[] = [];
  for (const raw of entries) {
    const r = parseCidr(raw);
    if ("issue" in r) {
      issues.push(r.issue);
      continue;
    }
    if (r.prefix === 0)
      warnings.push(
        `${r.cidr} allows every ${r.family === 4 ? "IPv4" : "IPv6"} address: the list does not restrict ${r.family === 4 ? "IPv4" : "IPv6"} clients.`,
      );
    if (!cidrs.includes(r.cidr)) cidrs.push(r.cidr);
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, cidrs, warnings };
}

type Parsed = { cidr: string; family: 4 | 6; address: string; prefix: number } | { issue: string };

function parseCidr(raw: string): Parsed {
  const text = raw.trim();
  const slash = text.indexOf("/");
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family === 0)
    return {
      issue: `"${raw}" is not an IPv4 or IPv6 address or CIDR (write e.g. 203.0.113.0/24, 2001:db8::/32 or a single address)`,
    };
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > bits)
      return { issue: `"${raw}": the prefix length must be a whole number from 0 to ${bits}` };
    prefix = Number(p);
  }
  const value = family === 4 ? v4ToBig(address) : v6ToBig(address);
  const hostBits = BigInt(bits - prefix);
  const network = (value >> hostBits) << hostBits;
  const netText = family === 4 ? bigToV4(network) : bigToV6(network);
  if (network !== value)
    return {
      issue: `"${raw}" has host bits set: the network is ${netText}/${prefix} (or write ${family === 4 ? bigToV4(value) : bigToV6(value)}/${bits} for that one address)`,
    };
  return { cidr: `${netText}/${prefix}`, family: family === 4 ? 4 : 6, address: netText, prefix };
}

function v4ToBig(a: string): bigint {
  return a.split(".").reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function bigToV4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
}

/** An IPv6 address (already known valid by isIP) as a 128-bit number; an embedded IPv4 tail is read too. */
function v6ToBig(a: string): bigint {
  let text = a;
  const pct = text.indexOf("%");
  if (pct >= 0) text = text.slice(0, pct);
  const tail = text.lastIndexOf(":");
  const last = text.slice(tail + 1);
  if (last.includes(".")) {
    const v4 = v4ToBig(last);
    text = `${text.slice(0, tail + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.includes("::") ? text.split("::") : [text, undefined];
  const h = head ? head.split(":") : [];
  const t = rest ? rest.split(":") : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g || "0", 16)), 0n);
}

/** The canonical (RFC 5952) text of a 128-bit number, as URL's host parser writes it. */
function bigToV6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(":")}]`).hostname.slice(1, -1);
}

/** A compiled list: does an address (IPv4, IPv6, or IPv4-mapped IPv6) fall in one of its CIDRs? */
export interface IpMatcher {
  readonly cidrs: readonly string[];
  allows(ip: string): boolean;
}

/**
 * Compiles canonical CIDRs (as `checkAllowlist` answers them) once. IPv4 addresses (and the dotted
 * IPv4-mapped form, `::ffff:a.b.c.d`) are matched on precomputed 32-bit networks and masks, read
 * from the string without allocating (the verifier's hot path); other IPv6 addresses go to node:net's
 * BlockList, which also knows the hex-mapped form.
 */
export function compileAllowlist(cidrs: readonly string[]): IpMatcher {
  const list = new BlockList();
  const nets: number[] = [];
  const masks: number[] = [];
  for (const c of cidrs) {
    const [address, prefixText] = c.split("/") as [string, string];
    const prefix = Number(prefixText);
    const v4 = isIP(address) === 4;
    list.addSubnet(address, prefix, v4 ? "ipv4" : "ipv6");
    if (v4) {
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      masks.push(mask);
      nets.push((Number(v4ToBig(address)) & mask) >>> 0);
    }
  }
  return {
    cidrs,
    allows(ip: string): boolean {
      const v4 = ipv4Number(ip);
      if (v4 >= 0) {
        for (let i = 0; i < nets.length; i++) if ((v4 & masks[i]!) >>> 0 === nets[i]) return true;
        return false;
      }
      const family = isIP(ip);
      if (family === 0) return false;
      return list.check(ip, family === 4 ? "ipv4" : "ipv6");
    },
  };
}

/** A dotted IPv4 address (or `::ffff:` + one) as an unsigned 32-bit number; -1 for anything else. */
function ipv4Number(ip: string): number {
  let i = 0;
  if (ip.length > 7 && ip.charCodeAt(0) === 58 /* : */) {
    if (!/^::ffff:/i.test(ip)) return -1;
    i = 7;
  }
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // no leading zeros, as isIP
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}
