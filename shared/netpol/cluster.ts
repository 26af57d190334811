// compileCluster: validate once, compile once, then evaluate, explain and tabulate many times.
import { parseIPv4 } from "../network/cidr.js";
import type { Problem } from "../validation/problems.js";
import { compileModel, type ClusterModel } from "./compile.js";
import { explainConnection } from "./explain.js";
import { computeMatrix } from "./matrix.js";
import { validateClusterInput, type ValidClusterInput } from "./input.js";
import { allowingRule, type Connection, type ResolvedEndpoint } from "./match.js";
import {
  NetpolInputError,
  type CompileOptions,
  type CompiledCluster,
  type ConnectionQuery,
  type Direction,
  type DirectionVerdict,
  type Endpoint,
  type NamespaceInput,
  type NetworkPolicyObject,
  type PodInput,
  type Protocol,
  type ReachabilityMatrix,
  type Verdict,
} from "./types.js";

export interface ClusterDefinition {
  namespaces: NamespaceInput[];
  pods: PodInput[];
  policies: NetworkPolicyObject[];
}

const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];

/** Throws NetpolInputError unless the port is 1-65535 and the protocol TCP, UDP or SCTP. */
function checkPortAndProtocol(port: number, protocol: string): Protocol {
  const problems: Problem[] = [];
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    problems.push({
      path: "port",
      code: "PortOutOfRange",
      message: `port ${port} must be between 1 and 65535`,
    });
  if (!PROTOCOLS.includes(protocol as Protocol))
    problems.push({
      path: "protocol",
      code: "InvalidProtocol",
      message: "protocol must be one of TCP, UDP, SCTP",
    });
  if (problems.length > 0) throw new NetpolInputError(problems);
  return protocol as Protocol;
}

/** The engine's settings once defaulted. */
export interface EngineSettings {
  ipBlockMatchesPods: boolean;
  loopback: "allow" | "evaluate";
}

function directionVerdict(
  settings: EngineSettings,
  direction: Direction,
  c: Connection,
  loopback: boolean,
): DirectionVerdict {
  const governed = direction === "Egress" ? c.src : c.dst;
  if (governed.kind !== "pod")
    return { direction, allowed: true, isolated: false, selectingPolicies: [], reason: "External" };
  const pod = governed.pod;
  const policies = direction === "Egress" ? pod.egressPolicies : pod.ingressPolicies;
  // Built once and filled in, not with object spread: spreading made a probe about ten times slower.
  const verdict: DirectionVerdict = {
    direction,
    pod: pod.key,
    allowed: true,
    isolated: policies.length > 0,
    selectingPolicies: policies.map((p) => p.key),
    reason: loopback ? "Loopback" : "NotIsolated",
  };
  if (loopback || policies.length === 0) return verdict;
  const allowedBy = allowingRule(policies, direction, c, settings.ipBlockMatchesPods);
  if (allowedBy) {
    verdict.reason = "AllowedByRule";
    verdict.allowedBy = allowedBy;
  } else {
    verdict.allowed = false;
    verdict.reason = "NoRuleMatched";
  }
  return verdict;
}

class Cluster implements CompiledCluster {
  readonly pods: readonly string[];
  private readonly podEndpoints: ResolvedEndpoint[];

  constructor(
    readonly model: ClusterModel,
    readonly settings: EngineSettings,
  ) {
    this.pods = model.pods.map((p) => p.key);
    this.podEndpoints = model.pods.map((pod) => ({ kind: "pod", pod }));
  }

  private resolve(ep: Endpoint, path: string): ResolvedEndpoint {
    if ("pod" in ep) {
      const pod = this.model.podByKey.get(ep.pod);
      if (pod) return this.podEndpoints[pod.index]!;
      throw new NetpolInputError([
        { path, code: "UnknownPod", message: `pod "${ep.pod}" is not in the cluster` },
      ]);
    }
    const ip = parseIPv4(ep.ip);
    if (ip === undefined)
      throw new NetpolInputError([
        { path, code: "InvalidIpAddress", message: `"${ep.ip}" is not an IPv4 address` },
      ]);
    const pod = this.model.podByIp.get(ip);
    return pod ? this.podEndpoints[pod.index]! : { kind: "ip", ip, text: ep.ip };
  }

  /** Resolves and checks a query; throws NetpolInputError naming the offending field. */
  connection(q: ConnectionQuery): Connection {
    const protocol = checkPortAndProtocol(q.port, q.protocol ?? "TCP");
    return { src: this.resolve(q.from, "from"), dst: this.resolve(q.to, "to"), port: q.port, protocol };
  }

  isLoopback(c: Connection): boolean {
    return this.settings.loopback === "allow" && c.src.kind === "pod" && c.src === c.dst;
  }

  decide(c: Connection): Verdict {
    const loopback = this.isLoopback(c);
    const egress = directionVerdict(this.settings, "Egress", c, loopback);
    const ingress = directionVerdict(this.settings, "Ingress", c, loopback);
    return { allowed: egress.allowed && ingress.allowed, egress, ingress };
  }

  evaluate(q: ConnectionQuery): Verdict {
    return this.decide(this.connection(q));
  }

  explain(q: ConnectionQuery): string {
    const c = this.connection(q);
    return explainConnection(this, c, this.decide(c));
  }

  matrix(port: number, protocol: Protocol = "TCP"): ReachabilityMatrix {
    checkPortAndProtocol(port, protocol);
    const n = this.model.pods.length;
    const cells = computeMatrix(this.model, this.podEndpoints, this.settings, port, protocol);
    return { port, protocol, pods: [...this.pods], cells, allowed: (from, to) => cells[from * n + to] === 1 };
  }
}

/** Compiles input that validateClusterInput has accepted. */
export function compileValidated(input: ValidClusterInput, options: CompileOptions = {}): CompiledCluster {
  return new Cluster(compileModel(input), {
    ipBlockMatchesPods: options.ipBlockMatchesPods ?? true,
    loopback: options.loopback ?? "allow",
  });
}

/** Validates, defaults and compiles a cluster; throws NetpolInputError with every problem. */
export function compileCluster(input: ClusterDefinition, options: CompileOptions = {}): CompiledCluster {
  const validated = validateClusterInput(input);
  if (!validated.ok) throw new NetpolInputError(validated.problems);
  return compileValidated(validated.value, options);
}
