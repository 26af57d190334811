// One AKS node pool as the Azure emulator registers it with the Kubernetes emulator (the contract of
// `PUT /_emulator/clusters/{key}`'s `agentPools`): the Kubernetes emulator keeps `count` Nodes for it.
export interface AgentPoolRegistration {
  name: string;
  count: number;
  mode: "System" | "User";
  vmSize: string;
  /** The version its kubelets run (the pool's currentOrchestratorVersion). */
  orchestratorVersion: string;
}
