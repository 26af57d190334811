// What kind-specific code may use of its cluster: the clock, the store and the address pools.
import type { ApiContext } from "./machinery/rest.js";
import type { KindDef } from "./machinery/kinds.js";
import type { ClusterIpam } from "./network/ipam.js";

export interface ClusterContext extends ApiContext {
  ipam: ClusterIpam;
  clusterName: string;
}

export type Kind = KindDef<ClusterContext>;
