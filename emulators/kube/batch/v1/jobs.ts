// batch/v1 Job: one pod at a time from the template; Complete when a pod succeeds, a new pod per
// failure until backoffLimit, then Failed (BackoffLimitExceeded). Probe jobs use this.
import { randomUUID } from "node:crypto";
import type { Kind } from "../../context.js";
import { pods, podStatus } from "../../core/v1/pods.js";
import { defaultPodSpec } from "../../core/v1/podspec.js";
import { templateErrors, workloadKind } from "../../apps/v1/template.js";
import { ownedBy, ownerReference, type ControllerHost } from "../../controllers.js";
import { age, ageColumn, nameColumn, resourceId } from "../../machinery/kinds.js";
import { randomSuffix } from "../../machinery/rest.js";
import { goValue } from "../../machinery/status.js";
import { clone, isJsonObject, rfc3339, type JsonObject, type KubeObject } from "../../machinery/types.js";

interface JobSpec {
  backoffLimit?: number;
  template?: { metadata?: { labels?: Record<string, string> }; spec?: { restartPolicy?: string } };
}

interface JobStatus {
  active?: number;
  succeeded?: number;
  failed?: number;
  startTime?: string;
  completionTime?: string;
  conditions?: {
    type: string;
    status: string;
    reason?: string;
    message?: string;
    lastProbeTime: string;
    lastTransitionTime: string;
  }[];
}

const specOf = (j: KubeObject) => (j["spec"] as JobSpec | undefined) ?? {};
const statusOf = (j: KubeObject) => (j["status"] as JobStatus | undefined) ?? {};

function finished(job: KubeObject): boolean {
  return (statusOf(job).conditions ?? []).some(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );
}

export const jobs: Kind = {
  group: "batch",
  version: "v1",
  kind: "Job",
  plural: "jobs",
  singular: "job",
  shortNames: [],
  ...workloadKind(),
  applyDefaults(obj) {
    const spec = isJsonObject(obj["spec"]) ? obj["spec"] : (obj["spec"] = {});
    spec["parallelism"] ??= 1;
    spec["completions"] ??= 1;
    spec["backoffLimit"] ??= 6;
    spec["completionMode"] ??= "NonIndexed";
    spec["suspend"] ??= false;
    const template = isJsonObject(spec["template"]) ? spec["template"] : (spec["template"] = {});
    const meta = isJsonObject(template["metadata"]) ? template["metadata"] : (template["metadata"] = {});
    if (!spec["selector"] && obj.metadata.name) {
      // The job controller's own selector, as the API server generates it on create.
      const uid =
        (obj.metadata.labels?.["batch.kubernetes.io/controller-uid"] as string | undefined) ?? randomUUID();
      spec["selector"] = { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
      meta["labels"] = {
        ...(isJsonObject(meta["labels"]) ? (meta["labels"] as JsonObject) : {}),
        "batch.kubernetes.io/controller-uid": uid,
        "controller-uid": uid,
        "batch.kubernetes.io/job-name": obj.metadata.name,
        "job-name": obj.metadata.name,
      };
    }
    if (isJsonObject(template["spec"])) {
      const restart = template["spec"]["restartPolicy"];
      defaultPodSpec(template["spec"]);
      if (restart === undefined) template["spec"]["restartPolicy"] = "Always";
    }
  },
  validate(obj) {
    const spec = specOf(obj);
    const out = templateErrors(spec as never, false);
    const restart = spec.template?.spec?.restartPolicy;
    if (restart !== "Never" && restart !== "OnFailure")
      out.push({
        type: "FieldValueNotSupported",
        field: "spec.template.spec.restartPolicy",
        badValue: `${goValue(restart ?? "")}: supported values: "OnFailure", "Never"`,
      });
    return out;
  },
  table: {
    columns: [
      nameColumn,
      { name: "Status", type: "string", description: "Status of the job.", priority: 0 },
      { name: "Completions", type: "string", description: "The completion status of the job", priority: 0 },
      { name: "Duration", type: "string", description: "Time required to complete the job.", priority: 0 },
      ageColumn,
    ],
    cells(o, now) {
      const s = statusOf(o);
      const cond = (s.conditions ?? []).find(
        (c) => c.status === "True" && (c.type === "Complete" || c.type === "Failed"),
      );
      const end = s.completionTime ? Date.parse(s.completionTime) : now;
      return [
        o.metadata.name!,
        cond?.type ?? "Running",
        `${s.succeeded ?? 0}/1`,
        s.startTime ? age(s.startTime, end) : "",
        age(o.metadata.creationTimestamp, now),
      ];
    },
  },
};

const pendingRetries = new Set<string>();

export function reconcileJob(host: ControllerHost, job: KubeObject): void {
  if (finished(job)) return;
  const ns = job.metadata.namespace!;
  const owned = host.ctx.store.list("/pods", ns).filter((p) => ownedBy(p, job));
  const succeeded = owned.filter((p) => podStatus(p).phase === "Succeeded").length;
  const failed = owned.filter((p) => podStatus(p).phase === "Failed").length;
  const active = owned.filter(
    (p) =>
      !["Succeeded", "Failed"].includes(podStatus(p).phase ?? "Pending") && !p.metadata.deletionTimestamp,
  );
  const at = rfc3339(host.ctx.now());
  const limit = specOf(job).backoffLimit ?? 6;
  const status: JobStatus = { ...statusOf(job), startTime: statusOf(job).startTime ?? at };
  const cond = (type: string, reason: string, message: string) => ({
    type,
    status: "True",
    reason,
    message,
    lastProbeTime: at,
    lastTransitionTime: at,
  });
  if (succeeded > 0) {
    status.conditions = [
      cond("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
      cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
    ];
    status.completionTime = at;
  } else if (failed > limit) {
    status.conditions = [
      cond("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
      cond("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
    ];
  } else if (active.length === 0) {
    const template = clone(specOf(job).template ?? {});
    const createPod = () =>
      host.rest.create(
        pods,
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: `${job.metadata.name}-${randomSuffix()}`,
            namespace: ns,
            labels: template.metadata?.labels ?? {},
            ownerReferences: [ownerReference(job)],
          },
          spec: template.spec as KubeObject["spec"],
        },
        { query: new URLSearchParams(), warnings: [] },
        "kube-controller-manager",
      );
    if (failed === 0) createPod();
    else {
      // The job controller's back-off before a retry: 10 s, doubling, at most 6 min.
      const key = `${job.metadata.uid}/${failed}`;
      if (!pendingRetries.has(key)) {
        pendingRetries.add(key);
        host.after(Math.min(10 * 2 ** (failed - 1), 360), () => {
          pendingRetries.delete(key);
          const live = host.ctx.store.get(resourceId(jobs), ns, job.metadata.name!);
          const running = host.ctx.store
            .list("/pods", ns)
            .some(
              (p) => ownedBy(p, job) && !["Succeeded", "Failed"].includes(podStatus(p).phase ?? "Pending"),
            );
          if (live && live.metadata.uid === job.metadata.uid && !finished(live) && !running) createPod();
        });
      }
    }
  }
  const nowActive = host.ctx.store
    .list("/pods", ns)
    .filter(
      (p) => ownedBy(p, job) && !["Succeeded", "Failed"].includes(podStatus(p).phase ?? "Pending"),
    ).length;
  Object.assign(status, {
    active: nowActive || undefined,
    succeeded: succeeded || undefined,
    failed: failed || undefined,
  });
  for (const k of Object.keys(status) as (keyof JobStatus)[]) if (status[k] === undefined) delete status[k];
  if (JSON.stringify(status) !== JSON.stringify(statusOf(job)))
    host.writeSystem(jobs, { ...job, status: status as unknown as KubeObject["status"] });
}
