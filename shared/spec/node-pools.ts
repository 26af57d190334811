// The cluster's node pools: the system pool (`nodePool`) and optional user pools (`nodePools`),
// each with the cluster autoscaler (on by default, as AKS's own guidance advises for production)
// and availability zones. AKS's limits: names of 1-12 lowercase letters and digits starting with a
// letter (Linux pools), 0-1000 nodes (at least 1 in a system pool), zones "1", "2", "3".
import { z } from "zod";
import { LIMITS, SPEC_DEFAULTS } from "./defaults.js";
import { boundedInt, patterned } from "./fields.js";

const PoolNameSchema = patterned(
  /^[a-z][a-z0-9]{0,11}$/,
  "InvalidNodePoolName",
  "node pool name: use 1-12 lowercase letters and digits, starting with a letter",
);

const VmSizeSchema = patterned(
  /^Standard_[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*$/,
  "InvalidVmSize",
  'VM size (for example "Standard_D2s_v5")',
);

const nodeCount = (min: number, what: string) =>
  boundedInt(min, LIMITS.nodeCountMax, "NodeCountOutOfRange", what);

/** What the system pool and the user pools share beyond name, size and count. */
function scalingFields(minNodes: number) {
  return {
    enableAutoScaling: z.boolean().default(true).meta({
      description: "Run the cluster autoscaler on this pool (between minCount and maxCount)",
    }),
    minCount: nodeCount(minNodes, "minCount")
      .optional()
      .meta({ description: "Autoscaler minimum; defaults to count" }),
    maxCount: nodeCount(minNodes, "maxCount")
      .optional()
      .meta({
        description: `Autoscaler maximum; defaults to the larger of count and ${SPEC_DEFAULTS.autoscalerMaxCount}`,
      }),
    availabilityZones: z
      .array(z.enum(["1", "2", "3"]))
      .min(1)
      .max(3)
      .optional()
      .meta({
        description:
          'Availability zones of the pool\'s nodes; defaults to ["1", "2", "3"] where the region has zones, none elsewhere',
      }),
  };
}

export const NodePoolSchema = z
  .strictObject({
    name: PoolNameSchema.default(SPEC_DEFAULTS.nodePool.name),
    vmSize: VmSizeSchema.default(SPEC_DEFAULTS.nodePool.vmSize),
    count: nodeCount(LIMITS.nodeCountMin, "node count")
      .meta({ description: "Nodes in the system node pool (the autoscaler's starting size)" })
      .default(SPEC_DEFAULTS.nodePool.count),
    ...scalingFields(LIMITS.nodeCountMin),
  })
  .prefault({})
  .meta({ description: "The cluster's system node pool" });

export const UserNodePoolSchema = z
  .strictObject({
    name: PoolNameSchema,
    vmSize: VmSizeSchema.default(SPEC_DEFAULTS.nodePool.vmSize),
    count: nodeCount(0, "node count")
      .meta({ description: "Nodes in the pool (the autoscaler's starting size)" })
      .default(SPEC_DEFAULTS.userNodePool.count),
    ...scalingFields(0),
  })
  .meta({ description: "A user node pool (mode User): application workloads, not system pods" });

export type ParsedNodePool = z.output<typeof NodePoolSchema>;
export type ParsedUserNodePool = z.output<typeof UserNodePoolSchema>;

/** A node pool after normalisation: mode, autoscaler bounds and zones decided. */
export interface NodePoolPlan {
  name: string;
  vmSize: string;
  count: number;
  mode: "System" | "User";
  enableAutoScaling: boolean;
  /** Present when enableAutoScaling is true. */
  minCount?: number;
  maxCount?: number;
  /** Absent in a region without availability zones. */
  availabilityZones?: string[];
}
