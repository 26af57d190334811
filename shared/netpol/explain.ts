// Readable explanations: for each direction, whether the governed pod is isolated, by which
// policies, and rule by rule why each port entry and peer did or did not match.
import { containsAddress } from "../network/cidr.js";
import type { PeerMatcher, PolicyMatcher, PortMatcher, RuleMatcher } from "./compile.js";
import { selectorMatches } from "./compile.js";
import { ipBlockAddress, peerMatches, portMatches, type Connection, type ResolvedEndpoint } from "./match.js";
import type { Direction, DirectionVerdict, Verdict } from "./types.js";

export function endpointText(ep: ResolvedEndpoint): string {
  if (ep.kind === "ip") return `${ep.text} (outside the cluster)`;
  return ep.pod.ipText ? `${ep.pod.key} (${ep.pod.ipText})` : ep.pod.key;
}

function portReason(pm: PortMatcher, c: Connection): string {
  if (portMatches(pm, c)) return "matches";
  if (pm.protocol !== c.protocol) return `protocol ${pm.protocol}, not ${c.protocol}`;
  if (pm.kind === "range") return `port ${c.port} outside it`;
  if (pm.kind === "named") {
    if (c.dst.kind !== "pod") return "named ports match pods only";
    const named = c.dst.pod.namedPorts.get(pm.name);
    if (!named) return `${c.dst.pod.key} has no container port named "${pm.name}"`;
    return `on ${c.dst.pod.key} "${pm.name}" is ${named.port}/${named.protocol}`;
  }
  return "does not match";
}

function peerReason(peer: PeerMatcher, ep: ResolvedEndpoint, ipBlockMatchesPods: boolean): string {
  if (peerMatches(peer, ep, ipBlockMatchesPods)) return "matches";
  if (peer.kind === "pods") {
    if (ep.kind !== "pod") return "selectors match pods only";
    if (peer.namespaces[ep.pod.nsIndex] !== 1) return `namespace ${ep.pod.namespace} not selected`;
    if (peer.podSelector && !selectorMatches(peer.podSelector, ep.pod))
      return `labels {${Object.entries(ep.pod.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")}} do not match`;
    return "does not match";
  }
  const ip = ipBlockAddress(ep, ipBlockMatchesPods);
  if (ip === undefined)
    return ep.kind === "pod" && ep.pod.ip !== undefined
      ? "ipBlock does not select pod IPs here"
      : "no IP address";
  const hit = peer.except.find((e) => containsAddress(e, ip));
  if (hit) return `in except ${hit.network.toString()}/${hit.prefix}`;
  return "address outside the CIDR";
}

function ruleLines(
  rule: RuleMatcher,
  direction: Direction,
  c: Connection,
  ipBlockMatchesPods: boolean,
): string[] {
  const field = direction === "Ingress" ? "from" : "to";
  const peerEp = direction === "Ingress" ? c.src : c.dst;
  const lines: string[] = [];
  if (!rule.ports) lines.push(`ports: (none: every port and protocol) matches`);
  else for (const pm of rule.ports) lines.push(`ports[${pm.index}] ${pm.text}: ${portReason(pm, c)}`);
  if (!rule.peers) lines.push(`${field}: (none: every source and destination) matches`);
  else
    for (const peer of rule.peers)
      lines.push(`${field}[${peer.index}] ${peer.text}: ${peerReason(peer, peerEp, ipBlockMatchesPods)}`);
  return lines;
}

function policyLines(
  policy: PolicyMatcher,
  direction: Direction,
  c: Connection,
  ipBlockMatchesPods: boolean,
): string[] {
  const rules = (direction === "Ingress" ? policy.ingress : policy.egress) ?? [];
  const field = direction === "Ingress" ? "ingress" : "egress";
  if (rules.length === 0) return [`${policy.key}: no ${field} rules (it only isolates)`];
  const out = [`${policy.key}:`];
  for (const rule of rules) {
    out.push(`  ${field}[${rule.index}]:`);
    for (const line of ruleLines(rule, direction, c, ipBlockMatchesPods)) out.push(`    ${line}`);
  }
  return out;
}

function directionLines(
  v: DirectionVerdict,
  c: Connection,
  policies: readonly PolicyMatcher[],
  ipBlockMatchesPods: boolean,
  otherDirectionOnly: readonly PolicyMatcher[],
): string[] {
  const what = v.direction === "Egress" ? "Egress from" : "Ingress to";
  const selected = v.selectingPolicies.join(", ");
  switch (v.reason) {
    case "External":
      return [
        `${what} ${endpointText(v.direction === "Egress" ? c.src : c.dst)}: allowed (not a pod of the cluster; no policy governs it)`,
      ];
    case "Loopback":
      return [
        `${what} ${v.pod}: allowed (a pod connecting to itself: a pod cannot block access to itself${v.isolated ? `; selected by ${selected}` : ""})`,
      ];
    case "NotIsolated": {
      // A policy without this direction in its policyTypes has no effect on it, whatever its rules.
      const other = v.direction === "Egress" ? "Ingress" : "Egress";
      const note = otherDirectionOnly.length
        ? `; ${otherDirectionOnly.map((p) => p.key).join(", ")} select${otherDirectionOnly.length === 1 ? "s" : ""} it for ${other} only`
        : "";
      return [`${what} ${v.pod}: allowed (not isolated: no policy selects it for ${v.direction}${note})`];
    }
    case "AllowedByRule": {
      const a = v.allowedBy!;
      const field = v.direction === "Ingress" ? "ingress" : "egress";
      const peerField = v.direction === "Ingress" ? "from" : "to";
      const where = `${a.policy} ${field}[${a.rule}]${a.peer !== undefined ? ` ${peerField}[${a.peer}]` : ""}${
        a.port !== undefined ? ` ports[${a.port}]` : ""
      }`;
      return [`${what} ${v.pod}: allowed by ${where} (isolated by ${selected})`];
    }
    case "NoRuleMatched": {
      const out = [`${what} ${v.pod}: DENIED (isolated by ${selected}; no rule allows it)`];
      for (const policy of policies)
        for (const line of policyLines(policy, v.direction, c, ipBlockMatchesPods)) out.push(`  ${line}`);
      return out;
    }
  }
}

export function explainConnection(
  engine: { settings: { ipBlockMatchesPods: boolean } },
  c: Connection,
  verdict: Verdict,
): string {
  const ipbm = engine.settings.ipBlockMatchesPods;
  const head = `${endpointText(c.src)} → ${endpointText(c.dst)} on ${c.port}/${c.protocol}: ${
    verdict.allowed ? "ALLOWED" : "DENIED"
  }`;
  const egressPolicies = c.src.kind === "pod" ? c.src.pod.egressPolicies : [];
  const ingressPolicies = c.dst.kind === "pod" ? c.dst.pod.ingressPolicies : [];
  const ingressOnly = c.src.kind === "pod" ? c.src.pod.ingressPolicies.filter((p) => !p.egress) : [];
  const egressOnly = c.dst.kind === "pod" ? c.dst.pod.egressPolicies.filter((p) => !p.ingress) : [];
  return [
    head,
    ...directionLines(verdict.egress, c, egressPolicies, ipbm, ingressOnly),
    ...directionLines(verdict.ingress, c, ingressPolicies, ipbm, egressOnly),
  ].join("\n");
}
