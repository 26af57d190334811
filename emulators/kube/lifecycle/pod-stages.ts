// The pod lifecycle as kwok-style stages on the cluster clock: scheduled onto the node with an IP,
// Running and Ready after the start delay, probe containers exiting when their command finishes
// (restarted with back-off unless restartPolicy says otherwise), removed after graceful deletion.
import type { Clock } from "../../common/clock.js";
import { podSpec, podStatus, type ContainerStatus, type PodStatus } from "../core/v1/pods.js";
import type { Container } from "../core/v1/podspec.js";
import type { ProbeOutcome } from "../dataplane/connect.js";
import { clone, rfc3339, type KubeObject } from "../machinery/types.js";
import type { Stage } from "./stages.js";

/** Emulated seconds of each stage (scaled by the clock's time scale). */
export const POD_TIMINGS = { schedule: 0.2, start: 2, terminate: 1, backoffBase: 10, backoffMax: 300 };

export interface PodRuntime {
  clock: Clock;
  /** The node a pod is scheduled to now, and its address (the nodes change with the pools). */
  schedule(): { nodeName: string; nodeIp: string };
  allocatePodIp(): string | undefined;
  releasePodIp(ip: string): void;
  /** System write of a pod (status and nodeName). */
  writePod(pod: KubeObject): void;
  removePod(pod: KubeObject): void;
  runProbe(pod: KubeObject, container: Container): ProbeOutcome | undefined;
  /** Starts the container's interactive shell (stdin open, a shell command); false if it is not one. */
  startShell(pod: KubeObject, container: Container, containerId: string): boolean;
  /** Appends to the log of one container instance. */
  appendLog(pod: KubeObject, containerId: string, text: string, stream?: "stdout" | "stderr"): void;
  /** Records an Event about the pod (scheduler or kubelet). */
  event(
    pod: KubeObject,
    reason: string,
    message: string,
    component: "default-scheduler" | "kubelet",
    type?: "Normal" | "Warning",
  ): void;
  /** Running probe commands (and shells that have exited) by pod uid → container name. */
  running: Map<string, Record<string, ProbeOutcome>>;
}

const NGINX_START = `/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration
/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/
/docker-entrypoint.sh: Configuration complete; ready for start up
`;

function condition(type: string, status: boolean, at: string) {
  return { type, status: status ? "True" : "False", lastProbeTime: null, lastTransitionTime: at };
}

/** The runtime's ID of a container instance (a restart makes a new instance). */
export function containerId(name: string, restartCount: number): string {
  return `containerd://${Buffer.from(name + String(restartCount))
    .toString("hex")
    .padEnd(64, "0")
    .slice(0, 64)}`;
}

/** The ID of the instance a served probe reached: the first container's current one. */
function servingInstance(pod: KubeObject): string {
  const c = podSpec(pod).containers[0]!;
  const restarts = (podStatus(pod).containerStatuses ?? []).find((s) => s.name === c.name)?.restartCount ?? 0;
  return containerId(c.name, restarts);
}

function imageId(image: string): string {
  return `${image.includes("/") ? image : `docker.io/library/${image}`}@sha256:${Buffer.from(image).toString("hex").padEnd(64, "0").slice(0, 64)}`;
}

function containerStatus(
  c: Container,
  state: Record<string, unknown>,
  restartCount = 0,
  lastState: Record<string, unknown> = {},
): ContainerStatus {
  const running = "running" in state;
  return {
    name: c.name,
    ready: running,
    started: running,
    restartCount,
    image: c.image ?? "",
    imageID: running || "terminated" in state ? imageId(c.image ?? "") : "",
    ...(running || "terminated" in state ? { containerID: containerId(c.name, restartCount) } : {}),
    state,
    lastState,
  };
}

const phase = (pod: KubeObject) => podStatus(pod).phase ?? "Pending";
const deleting = (pod: KubeObject) => pod.metadata.deletionTimestamp !== undefined;

function setRunning(pod: KubeObject, rt: PodRuntime, at: string, statuses: ContainerStatus[]): void {
  const ready = statuses.every((s) => s.ready);
  const status = pod["status"] as PodStatus;
  status.phase = "Running";
  status.containerStatuses = statuses;
  status.conditions = [
    condition("PodReadyToStartContainers", true, at),
    condition("Initialized", true, at),
    condition("Ready", ready, at),
    condition("ContainersReady", ready, at),
    condition("PodScheduled", true, at),
  ];
  if (!ready)
    for (const c of status.conditions)
      if (c.type === "Ready" || c.type === "ContainersReady")
        (c as { reason?: string }).reason = "ContainersNotReady";
  void rt;
}

function startContainers(
  pod: KubeObject,
  rt: PodRuntime,
  containers: Container[],
  previous: ContainerStatus[],
): ContainerStatus[] {
  const at = rfc3339(rt.clock.now());
  const results: Record<string, ProbeOutcome> = { ...(rt.running.get(pod.metadata.uid!) ?? {}) };
  const statuses = containers.map((c) => {
    const before = previous.find((s) => s.name === c.name);
    if (before && "running" in before.state) return before;
    rt.event(pod, "Pulled", `Container image "${c.image}" already present on machine`, "kubelet");
    rt.event(pod, "Created", `Created container: ${c.name}`, "kubelet");
    rt.event(pod, "Started", `Started container ${c.name}`, "kubelet");
    const id = containerId(c.name, before?.restartCount ?? 0);
    const outcome = rt.startShell(pod, c, id) ? undefined : rt.runProbe(pod, c);
    if (outcome) results[c.name] = outcome;
    else if (/(^|\/)nginx([:@]|$)/.test(c.image ?? "") && !before)
      rt.appendLog(pod, id, NGINX_START, "stderr");
    return containerStatus(
      c,
      { running: { startedAt: at } },
      before?.restartCount ?? 0,
      before?.lastState ?? {},
    );
  });
  if (Object.keys(results).length > 0) rt.running.set(pod.metadata.uid!, results);
  return statuses;
}

/** What a probe prints, and the access-log line of the server that answered it. */
function printOutcome(rt: PodRuntime, pod: KubeObject, id: string, outcome: ProbeOutcome): void {
  // State saved before outputs were split by stream has only the log.
  const output = (outcome.output as ProbeOutcome["output"] | undefined) ?? [
    { stream: "stdout", text: outcome.log },
  ];
  for (const chunk of output) rt.appendLog(pod, id, chunk.text, chunk.stream);
  if (outcome.served)
    rt.appendLog(outcome.served.pod, servingInstance(outcome.served.pod), outcome.served.line, "stdout");
}

export function podStages(rt: PodRuntime): Stage[] {
  const write = (pod: KubeObject, change: (p: KubeObject, status: PodStatus) => void) => {
    const next = clone(pod);
    next["status"] ??= {};
    change(next, next["status"] as PodStatus);
    rt.writePod(next);
  };
  return [
    {
      name: "terminate",
      when: deleting,
      delaySeconds: (pod) =>
        Math.min(pod.metadata.deletionGracePeriodSeconds ?? POD_TIMINGS.terminate, POD_TIMINGS.terminate),
      next: (pod) => {
        rt.running.delete(pod.metadata.uid!);
        rt.removePod(pod);
      },
    },
    {
      name: "schedule",
      when: (pod) => !podSpec(pod).nodeName && phase(pod) === "Pending",
      delaySeconds: () => POD_TIMINGS.schedule,
      next: (pod) =>
        write(pod, (p, status) => {
          const at = rfc3339(rt.clock.now());
          const spec = p["spec"] as { nodeName?: string };
          const { nodeName, nodeIp } = rt.schedule();
          spec.nodeName = nodeName;
          const ip = podSpec(p).hostNetwork ? nodeIp : rt.allocatePodIp();
          status.phase = "Pending";
          status.conditions = [
            condition("PodScheduled", true, at),
            condition("Initialized", true, at),
            condition("Ready", false, at),
            condition("ContainersReady", false, at),
          ];
          status.hostIP = nodeIp;
          if (ip) {
            status.podIP = ip;
            status.podIPs = [{ ip }];
          }
          status.startTime = at;
          status.containerStatuses = (podSpec(p).containers ?? []).map((c) =>
            containerStatus(c, { waiting: { reason: "ContainerCreating" } }),
          );
          rt.event(
            p,
            "Scheduled",
            `Successfully assigned ${p.metadata.namespace}/${p.metadata.name} to ${nodeName}`,
            "default-scheduler",
          );
        }),
    },
    {
      name: "start",
      when: (pod) => phase(pod) === "Pending" && !!podSpec(pod).nodeName,
      delaySeconds: () => POD_TIMINGS.start,
      next: (pod) =>
        write(pod, (p) =>
          setRunning(p, rt, rfc3339(rt.clock.now()), startContainers(p, rt, podSpec(p).containers ?? [], [])),
        ),
    },
    {
      name: "exit",
      when: (pod) => phase(pod) === "Running" && rt.running.has(pod.metadata.uid!),
      delaySeconds: (pod) =>
        Math.max(...Object.values(rt.running.get(pod.metadata.uid!) ?? {}).map((o) => o.durationSeconds), 0),
      next: (pod) =>
        write(pod, (p, status) => {
          const at = rfc3339(rt.clock.now());
          const results = rt.running.get(p.metadata.uid!) ?? {};
          rt.running.delete(p.metadata.uid!);
          const policy = podSpec(p).restartPolicy ?? "Always";
          status.containerStatuses = (status.containerStatuses ?? []).map((s) => {
            const outcome = results[s.name];
            if (!outcome) return s;
            printOutcome(rt, p, containerId(s.name, s.restartCount), outcome);
            const terminated = {
              exitCode: outcome.exitCode,
              reason: outcome.exitCode === 0 ? "Completed" : "Error",
              startedAt: (s.state["running"] as { startedAt?: string } | undefined)?.startedAt ?? at,
              finishedAt: at,
              containerID: s.containerID,
            };
            const restart = policy === "Always" || (policy === "OnFailure" && outcome.exitCode !== 0);
            return restart
              ? {
                  ...s,
                  ready: false,
                  started: false,
                  state: {
                    waiting: {
                      reason: "CrashLoopBackOff",
                      message: `back-off restarting failed container ${s.name}`,
                    },
                  },
                  lastState: { terminated },
                }
              : { ...s, ready: false, started: false, state: { terminated } };
          });
          const all = status.containerStatuses;
          const allTerminated = all.every((s) => "terminated" in s.state);
          if (allTerminated) {
            status.phase = all.every((s) => (s.state["terminated"] as { exitCode: number }).exitCode === 0)
              ? "Succeeded"
              : "Failed";
            status.conditions = (status.conditions ?? []).map((c) =>
              c.type === "Ready" || c.type === "ContainersReady"
                ? { ...c, status: "False", reason: "PodCompleted", lastTransitionTime: at }
                : c,
            );
          } else setRunning(p, rt, at, all);
        }),
    },
    {
      name: "restart",
      when: (pod) =>
        phase(pod) === "Running" &&
        (podStatus(pod).containerStatuses ?? []).some((s) => "waiting" in s.state),
      delaySeconds: (pod) => {
        const restarts = Math.max(...(podStatus(pod).containerStatuses ?? []).map((s) => s.restartCount), 0);
        return Math.min(POD_TIMINGS.backoffBase * 2 ** restarts, POD_TIMINGS.backoffMax);
      },
      next: (pod) =>
        write(pod, (p, status) => {
          const previous = (status.containerStatuses ?? []).map((s) =>
            "waiting" in s.state ? { ...s, restartCount: s.restartCount + 1 } : s,
          );
          setRunning(
            p,
            rt,
            rfc3339(rt.clock.now()),
            startContainers(p, rt, podSpec(p).containers ?? [], previous),
          );
        }),
    },
  ];
}
