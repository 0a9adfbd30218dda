/**
 * "IP allowlist" (issue 13 §2): one CIDR or address per line. Before saving a list that leaves out
 * the address the server sees for the admin now (`me.clientIp`), the sidebar warns once; saving
 * again sends the list as it is (the API accepts it).
 */
import { useState } from "react";
import { useSession } from "../../session";
import { TextArea } from "../../ui";

/** The lines of the field as a list (null when empty: no list). */
export function parseIpLines(text: string): string[] | null {
  const list = text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : null;
}

function toBits(ip: string): { v: bigint; bits: number } | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const text = mapped ? mapped[1]! : ip;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text))
    return { v: text.split(".").reduce((n, p) => (n << 8n) | BigInt(Number(p) & 255), 0n), bits: 32 };
  if (!text.includes(":")) return null;
  const [head = "", tail] = text.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  if (groups.length !== 8) return null;
  return {
    v: groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g || "0", 16) || 0), 0n),
    bits: 128,
  };
}

/** Whether an address falls in one of the entries (best effort: the server decides). */
export function listAllows(list: readonly string[], ip: string): boolean {
  const addr = toBits(ip);
  if (!addr) return true;
  return list.some((entry) => {
    const [a = "", p] = entry.split("/");
    const net = toBits(a);
    if (!net || net.bits !== addr.bits) return false;
    const host = BigInt(net.bits - (p === undefined ? net.bits : Number(p)));
    return net.v >> host === addr.v >> host;
  });
}

/** The field and its guard: `confirmLeavesOut()` is true when saving may go ahead. */
export function useIpAllowlist(initial: readonly string[] | null) {
  const { me } = useSession();
  const [text, setText] = useState((initial ?? []).join("\n"));
  const [warned, setWarned] = useState<string | null>(null);
  const list = parseIpLines(text);
  const here = me.clientIp;
  const confirmLeavesOut = () => {
    if (!list || !here || listAllows(list, here) || warned === text) return true;
    setWarned(text);
    return false;
  };
  const warning =
    warned === text && here
      ? `This list leaves out ${here}, the address you are using now: requests with this key from here will be refused (403 ip_forbidden). Save again to keep it anyway.`
      : null;
  return { text, setText, list, confirmLeavesOut, warning };
}

export function IpAllowlistField({
  state,
  error,
}: {
  state: ReturnType<typeof useIpAllowlist>;
  error?: string | undefined;
}) {
  return (
    <>
      <TextArea
        label="IP allowlist (optional)"
        value={state.text}
        onChange={(e) => state.setText(e.target.value)}
        error={error}
        hint="One address or CIDR per line, e.g. 203.0.113.0/24 or 2001:db8::/32. Empty: any address."
        rows={3}
      />
      {state.warning ? (
        <p className="warning-text" role="alert">
          {state.warning}
        </p>
      ) : null}
    </>
  );
}
