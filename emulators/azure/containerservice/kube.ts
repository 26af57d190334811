// The Azure side of the Azure ⇄ Kubernetes emulator contract: register a cluster when it reaches
// Succeeded, unregister it on delete, and build kubeconfigs that point at its API server there.
import { request } from "node:https";
import { stringify } from "yaml";
import type { AgentPoolRegistration } from "../../common/agent-pools.js";
import { clusterKey } from "../../common/cluster-key.js";

export interface ClusterRegistration {
  resourceId: string;
  name: string;
  /** The version the control plane runs (currentKubernetesVersion): what `/version` reports. */
  kubernetesVersion: string;
  agentPools: AgentPoolRegistration[];
  network: {
    pluginMode: "overlay" | "nodeSubnet";
    networkPolicy: string;
    podCidr?: string;
    subnetPrefix?: string;
    serviceCidr: string;
    dnsServiceIp: string;
  };
  tokenValidation: { issuer: string; audience: string; jwks: { keys: unknown[] } };
  aad?: {
    managed: boolean;
    azureRBAC: boolean;
    disableLocalAccounts: boolean;
    tenantId: string;
    access: { url: string; ca: string };
  };
}

export interface ClusterEndpoint {
  server: string;
  certificateAuthorityData: string;
  adminToken: string;
}

function call(
  url: string,
  method: string,
  ca: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        headers: payload
          ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
          : {},
        timeout: 10_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout calling ${url}`)));
    req.on("error", reject);
    req.end(payload);
  });
}

export class KubeRegistrar {
  constructor(
    private readonly kubeUrl: string | undefined,
    private readonly caPem: string,
  ) {}

  get configured(): boolean {
    return this.kubeUrl !== undefined;
  }

  private url(resourceId: string): string {
    return `${this.kubeUrl!.replace(/\/+$/, "")}/_emulator/clusters/${clusterKey(resourceId)}`;
  }

  async register(reg: ClusterRegistration): Promise<ClusterEndpoint> {
    let last = "";
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const res = await call(this.url(reg.resourceId), "PUT", this.caPem, reg);
        if (res.status === 200 || res.status === 201) return JSON.parse(res.text) as ClusterEndpoint;
        last = `HTTP ${res.status}: ${res.text.slice(0, 200)}`;
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
    throw new Error(
      `registering the cluster with the Kubernetes emulator at ${this.kubeUrl} failed: ${last}`,
    );
  }

  async unregister(resourceId: string): Promise<void> {
    if (!this.kubeUrl) return;
    try {
      await call(this.url(resourceId), "DELETE", this.caPem);
    } catch {
      // Best effort: the Kubernetes emulator may be down; a later PUT of the same key is idempotent.
    }
  }
}

export interface KubeconfigInput {
  clusterName: string;
  contextName: string;
  userName: string;
  server: string;
  certificateAuthorityData: string;
  /** A bearer token, or the exec credential plugin of an Entra ID cluster. */
  token?: string;
  user?: { exec: Record<string, unknown> };
}

export function kubeconfig(k: KubeconfigInput): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: k.clusterName,
        cluster: { server: k.server, "certificate-authority-data": k.certificateAuthorityData },
      },
    ],
    contexts: [{ name: k.contextName, context: { cluster: k.clusterName, user: k.userName } }],
    "current-context": k.contextName,
    preferences: {},
    users: [{ name: k.userName, user: k.user ?? { token: k.token } }],
  });
}
