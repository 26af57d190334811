// Built-in Azure Policy definitions and initiatives (policy set definitions) the project assigns,
// under their real ids, with the parameters Azure declares for them (from Azure/azure-policy,
// built-in-policies/policySetDefinitions/Kubernetes/Kubernetes_PSP{Baseline,Restricted}Standard.json).
export const POLICY_DEFINITION_TYPE = "Microsoft.Authorization/policyDefinitions";
export const POLICY_SET_DEFINITION_TYPE = "Microsoft.Authorization/policySetDefinitions";

export interface PolicyParameter {
  type: "String" | "Array" | "Object" | "Boolean" | "Integer";
  metadata: { displayName: string; description: string };
  allowedValues?: string[];
  defaultValue?: unknown;
}

export interface BuiltInDefinition {
  name: string;
  displayName: string;
  description: string;
  version: string;
  parameters: Record<string, PolicyParameter>;
}

export interface BuiltInSetDefinition extends BuiltInDefinition {
  members: { id: string; referenceId: string }[];
}

const EFFECT: PolicyParameter = {
  type: "String",
  metadata: {
    displayName: "Effect",
    description:
      "'Audit' allows a non-compliant resource to be created or updated, but flags it as non-compliant. 'Deny' blocks the non-compliant resource creation or update. 'Disabled' turns off the policy.",
  },
  allowedValues: ["audit", "Audit", "deny", "Deny", "disabled", "Disabled"],
  defaultValue: "Audit",
};
const NAMESPACES: PolicyParameter = {
  type: "Array",
  metadata: {
    displayName: "Namespace inclusions",
    description:
      "List of Kubernetes namespaces to only include in policy evaluation. An empty list means the policy is applied to all resources in all namespaces.",
  },
  defaultValue: [],
};
const excluded = (namespaces: string[]): PolicyParameter => ({
  type: "Array",
  metadata: {
    displayName: "Namespace exclusions",
    description: "List of Kubernetes namespaces to exclude from policy evaluation.",
  },
  defaultValue: namespaces,
});
const CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FSETID",
  "FOWNER",
  "MKNOD",
  "NET_RAW",
  "SETGID",
  "SETUID",
  "SETFCAP",
  "SETPCAP",
  "NET_BIND_SERVICE",
  "SYS_CHROOT",
  "KILL",
  "AUDIT_WRITE",
];

const kube = (name: string, displayName: string): BuiltInDefinition => ({
  name,
  displayName,
  description: `${displayName}. For instructions on using this policy, visit https://aka.ms/kubepolicydoc.`,
  version: "1.0.0",
  parameters: {
    effect: EFFECT,
    excludedNamespaces: excluded(["kube-system", "gatekeeper-system", "azure-arc"]),
    namespaces: NAMESPACES,
  },
});

/** The member policies of the two pod security initiatives. */
export const BUILT_IN_POLICY_DEFINITIONS: readonly BuiltInDefinition[] = [
  kube("95edb821-ddaf-4404-9732-666045e056b4", "Kubernetes cluster should not allow privileged containers"),
  kube(
    "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
    "Kubernetes cluster pods should only use approved host network and port range",
  ),
  kube(
    "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8",
    "Kubernetes cluster containers should not share host process ID or host IPC namespace",
  ),
  kube(
    "c26596ff-4d70-4e6a-9a30-c2506bd2f80c",
    "Kubernetes cluster containers should only use allowed capabilities",
  ),
  kube(
    "098fc59e-46c7-4d99-9b16-64990e543d75",
    "Kubernetes cluster pod hostPath volumes should only use allowed host paths",
  ),
  kube(
    "1c6e92c9-99f0-4e55-9cf2-0c234dc48f99",
    "Kubernetes clusters should not allow container privilege escalation",
  ),
  kube(
    "16697877-1118-4fb1-9b65-9898ec2509ec",
    "Kubernetes cluster pods should only use allowed volume types",
  ),
  kube(
    "f06ddb64-5fa3-4b77-b166-acb36f7f6042",
    "Kubernetes cluster pods and containers should only run with approved user and group IDs",
  ),
  kube(
    "975ce327-682c-4f2e-aa46-b9598289b86c",
    "Kubernetes cluster containers should only use allowed seccomp profiles",
  ),
];

const member = (id: string, referenceId: string) => ({
  id: `/providers/Microsoft.Authorization/policyDefinitions/${id}`,
  referenceId,
});
const BASELINE_MEMBERS = [
  member("95edb821-ddaf-4404-9732-666045e056b4", "NoPrivilegedContainers"),
  member("82985f06-dc18-4a48-bc1c-b9f4f0098cfe", "BlockUsingHostNetwork"),
  member("47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8", "BlockUsingHostProcessIDAndIPC"),
  member("c26596ff-4d70-4e6a-9a30-c2506bd2f80c", "ContainerCapabilities"),
  member("098fc59e-46c7-4d99-9b16-64990e543d75", "NoHostPathVolume"),
];

export const BUILT_IN_POLICY_SET_DEFINITIONS: readonly BuiltInSetDefinition[] = [
  {
    name: "a8640138-9b0a-4a28-b8cb-1666c838647d",
    displayName: "Kubernetes cluster pod security baseline standards for Linux-based workloads",
    description:
      "This initiative includes the policies for the Kubernetes cluster pod security baseline standards. This policy is generally available for Kubernetes Service (AKS), and preview for AKS Engine and Azure Arc enabled Kubernetes. For instructions on using this policy, visit https://aka.ms/kubepolicydoc.",
    version: "1.2.0",
    parameters: {
      effect: EFFECT,
      excludedNamespaces: excluded(["kube-system", "gatekeeper-system", "azure-arc"]),
      namespaces: NAMESPACES,
    },
    members: BASELINE_MEMBERS,
  },
  {
    name: "42b8ef37-b724-4e24-bbc8-7a7708edfe00",
    displayName: "Kubernetes cluster pod security restricted standards for Linux-based workloads",
    description:
      "This initiative includes the policies for the Kubernetes cluster pod security restricted standards. This policy is generally available for Kubernetes Service (AKS), and preview for Azure Arc enabled Kubernetes. For instructions on using this policy, visit https://aka.ms/kubepolicydoc.",
    version: "2.5.0",
    parameters: {
      effect: EFFECT,
      excludedNamespaces: excluded([
        "kube-system",
        "gatekeeper-system",
        "azure-arc",
        "azure-extensions-usage-system",
      ]),
      namespaces: NAMESPACES,
      allowedCapabilities: {
        type: "Array",
        metadata: {
          displayName: "Allowed add capabilities",
          description: "The list of capabilities that are allowed to be added to a container.",
        },
        defaultValue: CAPABILITIES,
      },
      requiredDropCapabilities: {
        type: "Array",
        metadata: {
          displayName: "Required drop capabilities",
          description: "The list of capabilities that must be dropped by a container.",
        },
        defaultValue: [],
      },
    },
    members: [
      BASELINE_MEMBERS[0]!,
      member("1c6e92c9-99f0-4e55-9cf2-0c234dc48f99", "NoPrivilegeEscalation"),
      BASELINE_MEMBERS[1]!,
      BASELINE_MEMBERS[2]!,
      BASELINE_MEMBERS[3]!,
      member("16697877-1118-4fb1-9b65-9898ec2509ec", "AllowedVolumeTypes"),
      member("f06ddb64-5fa3-4b77-b166-acb36f7f6042", "AllowedUsersGroups"),
      member("975ce327-682c-4f2e-aa46-b9598289b86c", "AllowedSeccompProfiles"),
    ],
  },
];

export function definitionId(kind: "policyDefinitions" | "policySetDefinitions", name: string): string {
  return `/providers/Microsoft.Authorization/${kind}/${name}`;
}

export function policyDefinitionBody(d: BuiltInDefinition) {
  return {
    id: definitionId("policyDefinitions", d.name),
    name: d.name,
    type: POLICY_DEFINITION_TYPE,
    properties: {
      displayName: d.displayName,
      policyType: "BuiltIn",
      mode: "Microsoft.Kubernetes.Data",
      description: d.description,
      metadata: { version: d.version, category: "Kubernetes" },
      version: d.version,
      parameters: d.parameters,
    },
  };
}

export function policySetDefinitionBody(d: BuiltInSetDefinition) {
  return {
    id: definitionId("policySetDefinitions", d.name),
    name: d.name,
    type: POLICY_SET_DEFINITION_TYPE,
    properties: {
      displayName: d.displayName,
      policyType: "BuiltIn",
      description: d.description,
      metadata: { version: d.version, category: "Kubernetes" },
      version: d.version,
      parameters: d.parameters,
      policyDefinitions: d.members.map((m) => ({
        policyDefinitionId: m.id,
        policyDefinitionReferenceId: m.referenceId,
        parameters: Object.fromEntries(
          ["effect", "excludedNamespaces", "namespaces"].map((p) => [p, { value: `[parameters('${p}')]` }]),
        ),
      })),
    },
  };
}
