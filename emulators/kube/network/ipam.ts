// Address allocation for one cluster: pod IPs from the pod CIDR (overlay) or the node subnet, and
// cluster IPs from the service CIDR (never its network address nor the DNS service IP).
import { parseCidr, parseIPv4, intToIPv4, type Cidr } from "../../../shared/network/cidr.js";

export interface ClusterNetworkConfig {
  pluginMode: "overlay" | "nodeSubnet";
  networkPolicy: "cilium" | "calico" | "azure" | "none";
  podCidr?: string;
  subnetPrefix?: string;
  serviceCidr: string;
  dnsServiceIp: string;
}

function cidrOf(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`invalid CIDR ${text}`);
  return parsed.cidr;
}

/** Hands out addresses of one block from `firstOffset`, lowest free first. */
export class AddressPool {
  private readonly used = new Set<number>();
  private readonly block: Cidr;

  constructor(
    cidr: string,
    private readonly firstOffset: number,
    private readonly lastOffset?: number,
  ) {
    this.block = cidrOf(cidr);
  }

  contains(ip: string): boolean {
    const n = parseIPv4(ip);
    return n !== undefined && n >= this.block.first && n <= this.block.last;
  }

  markUsed(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined) this.used.add(n);
  }

  isUsed(ip: string): boolean {
    const n = parseIPv4(ip);
    return n !== undefined && this.used.has(n);
  }

  release(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined) this.used.delete(n);
  }

  allocate(): string | undefined {
    const last = this.block.first + (this.lastOffset ?? this.block.size - 2);
    for (let n = this.block.first + this.firstOffset; n <= last; n++) {
      if (!this.used.has(n)) {
        this.used.add(n);
        return intToIPv4(n);
      }
    }
    return undefined;
  }
}

/** The nodes' addresses and the pools for pods and services. */
export class ClusterIpam {
  readonly nodeIp: string;
  readonly pods: AddressPool;
  readonly services: AddressPool;

  constructor(readonly config: ClusterNetworkConfig) {
    if (config.pluginMode === "nodeSubnet") {
      const subnet = config.subnetPrefix ?? "10.240.0.0/16";
      // Azure keeps the first four addresses of a subnet; the node takes .4, its pods follow.
      this.nodeIp = intToIPv4(cidrOf(subnet).first + 4);
      this.pods = new AddressPool(subnet, 5);
    } else {
      this.nodeIp = intToIPv4(cidrOf(config.subnetPrefix ?? "10.224.0.0/16").first + 4);
      // The node's slice of the pod CIDR is its first /24; .1 is the bridge gateway.
      this.pods = new AddressPool(config.podCidr ?? "10.244.0.0/16", 2, 254);
    }
    this.services = new AddressPool(config.serviceCidr, 1);
    this.services.markUsed(config.dnsServiceIp);
  }

  /**
   * An address for one more node, none of `taken`: the first node's, else in node-subnet mode the
   * subnet's next free address (nodes and pods share it), in overlay mode the next after the nodes.
   */
  nodeAddress(taken: ReadonlySet<string>): string {
    if (!taken.has(this.nodeIp)) return this.nodeIp;
    if (this.config.pluginMode === "nodeSubnet") {
      const ip = this.pods.allocate();
      if (!ip) throw new Error("the node subnet has no free address for another node");
      return ip;
    }
    const block = cidrOf(this.config.subnetPrefix ?? "10.224.0.0/16");
    for (let n = parseIPv4(this.nodeIp)! + 1; n < block.last; n++)
      if (!taken.has(intToIPv4(n))) return intToIPv4(n);
    throw new Error("the node subnet has no free address for another node");
  }

  /** A removed node's address is free again (node-subnet mode: for pods too). */
  releaseNodeAddress(ip: string): void {
    if (this.config.pluginMode === "nodeSubnet" && ip !== this.nodeIp) this.pods.release(ip);
  }
}
