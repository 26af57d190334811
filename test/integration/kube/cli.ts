// Running the machine's command-line tools in the kube tests: kubectl against a harness cluster,
// and the tutorial's NetworkPolicy manifests as a user writes them.
import { execFile, spawn } from "node:child_process";
import { eventually, type Harness } from "./harness.js";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool with stdin at its end (kubectl run -i reads it and sends the end on). */
export function runTool(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill(), 90_000);
    child.on("error", () => resolve({ code: -1, stdout, stderr }));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Whether `command args` runs and exits 0 (a tool is installed and works). */
export const toolWorks = (command: string, args: string[]) =>
  new Promise<boolean>((resolve) => execFile(command, args, (err) => resolve(!err)));

export const kubectlWorks = await toolWorks("kubectl", ["version", "--client"]);
export const KUBECTL_MISSING = "kubectl is not installed (or cannot run) on this machine";

/** kubectl with the harness's kubeconfig and its own discovery cache. */
export function kubectl(h: Harness, cacheDir: string) {
  return (...args: string[]) =>
    runTool("kubectl", [`--kubeconfig=${h.kubeconfigPath}`, `--cache-dir=${cacheDir}`, ...args]);
}

/** Waits until `kubectl get pod` shows the pod in `phase`. */
export function podPhase(k: ReturnType<typeof kubectl>, pod: string, namespace: string, phase: string) {
  return eventually(
    async () =>
      (await k("get", "pod", pod, "-n", namespace, "-o", "jsonpath={.status.phase}")).stdout === phase
        ? true
        : undefined,
    `${pod} ${phase}`,
    20_000,
  );
}

const yamlLabels = (labels: Record<string, string>, indent: string) =>
  Object.entries(labels)
    .map(([k, v]) => `${indent}${k}: ${v}`)
    .join("\n");

/**
 * The tutorial's backend-policy.yaml in namespace test: ingress to `backend` pods from pods with
 * `from` labels in any namespace (`anyNamespace`) or the same one, or from nothing (deny-all).
 */
export function backendPolicy(
  backend: Record<string, string>,
  from?: Record<string, string>,
  anyNamespace = false,
): string {
  const head = `kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  name: backend-policy
  namespace: test
spec:
  podSelector:
    matchLabels:
${yamlLabels(backend, "      ")}
`;
  if (!from) return `${head}  ingress: []\n`;
  return `${head}  ingress:
  - from:
    - ${anyNamespace ? "namespaceSelector: {}\n      " : ""}podSelector:
        matchLabels:
${yamlLabels(from, "          ")}
`;
}
