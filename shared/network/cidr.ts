// CIDR arithmetic for address planning, on top of ipaddr.js (IPv4 only: AKS networking here is IPv4).
import ipaddr from "ipaddr.js";

export interface Cidr {
  /** The text as given. */
  readonly text: string;
  readonly network: ipaddr.IPv4;
  readonly prefix: number;
  /** Number of addresses in the block. */
  readonly size: number;
  /** First and last address as unsigned 32-bit integers. */
  readonly first: number;
  readonly last: number;
}

export type CidrParse =
  { ok: true; cidr: Cidr; hostBitsSet: boolean } | { ok: false; reason: "Invalid" | "NotIPv4" };

function toInt(addr: ipaddr.IPv4): number {
  return addr.octets.reduce((acc, o) => acc * 256 + o, 0);
}

export function intToIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Parses "a.b.c.d/n". Host bits are masked (like Go's net.ParseCIDR) and reported. */
export function parseCidr(text: string): CidrParse {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(text)) return { ok: false, reason: "Invalid" };
    parsed = ipaddr.parseCIDR(text);
  } catch {
    return { ok: false, reason: "Invalid" };
  }
  const [addr, prefix] = parsed;
  if (addr.kind() !== "ipv4") return { ok: false, reason: "NotIPv4" };
  if (!ipaddr.IPv4.isValidFourPartDecimal(text.split("/")[0] ?? "")) return { ok: false, reason: "Invalid" };
  const network = ipaddr.IPv4.networkAddressFromCIDR(text);
  const size = 2 ** (32 - prefix);
  const first = toInt(network);
  return {
    ok: true,
    hostBitsSet: toInt(addr as ipaddr.IPv4) !== first,
    cidr: { text, network, prefix, size, first, last: first + size - 1 },
  };
}

/** Parses a dotted-quad IPv4 address into an integer, or undefined. */
export function parseIPv4(text: string): number | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return toInt(ipaddr.IPv4.parse(text));
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** True when `inner` lies entirely inside `outer` (equal blocks count as inside). */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

export function containsAddress(block: Cidr, address: number): boolean {
  return block.first <= address && address <= block.last;
}

/** The n-th address of a block (0 = network address). */
export function nthAddress(block: Cidr, n: number): string {
  return intToIPv4(block.first + n);
}

/** Ranges AKS reserves for its own use: no VNet, subnet, service or pod range may overlap them. */
export const AKS_RESERVED_RANGES: readonly Cidr[] = [
  "169.254.0.0/16",
  "172.30.0.0/16",
  "172.31.0.0/16",
  "192.0.2.0/24",
].map((text) => {
  const p = parseCidr(text);
  if (!p.ok) throw new Error(`bad reserved range ${text}`);
  return p.cidr;
});
