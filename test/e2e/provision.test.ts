// End-to-end tests of provisioning on the whole local stack (real HTTP, real SDKs, real
// client-node, real durable-functions engine in the local host). Each scenario runs in a child
// process so that NODE_EXTRA_CA_CERTS (the emulators' CA) is in place when Node starts.
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runScenarioProcess } from "../helpers/scenario-process.js";

const SCRIPT = fileURLToPath(new URL("./scenarios.js", import.meta.url));

const run = (scenario: string): Promise<void> => runScenarioProcess(SCRIPT, [scenario], scenario);

describe("provisioning end to end", () => {
  it("the tutorial's request reaches Succeeded, verified, with exactly the seeded objects; DELETE leaves nothing", () =>
    run("tutorial"));
  it("the tutorial's request is locked down by default: every secure setting, Entra ID with Azure RBAC and no admin credential; kubectl as the team's writer, a reader (403 on delete) and another team (403); no secret in kubeconfigs, status, host log or durable history", () =>
    run("entra"));
  it("a request whose expectations contradict its policies is refused with 400 before any ARM call", () =>
    run("contradiction"));
  it("survives 429 storms, 503s, dropped connections and PrincipalNotFound with one of each resource", () =>
    run("faults"));
  it("retries transient faults of a long-running operation (final GET 500s, status 503s, VNet 429s, an operation ending InternalServerError) to Succeeded, one of each, nothing rolled back", () =>
    run("lroFaults"));
  it("succeeds with half of ARM's reads answering 429 or 503 (seeded)", () => run("randomReadFaults"));
  it("succeeds with ARM's token buckets on and tight: the 429s are absorbed", () => run("throttled"));
  it("waits for a cluster busy with another operation (OperationNotAllowed) beyond the old retry budget, showing why", () =>
    run("busyCluster"));
  it("reports a cluster create that ends Failed with the AKS error and rolls back", () =>
    run("failedCreate"));
  it("a DELETE during the AKS create waits for the create to end, then removes everything", () =>
    run("deleteDuringCreate"));
  it("completes without duplicates when the host is killed (-9) during the cluster create and during seeding", () =>
    run("crash"));
  it("starts one orchestration for 10 identical concurrent requests, and provisions 20 clusters at once", () =>
    run("concurrency"));
});
