// The API's side of the drift monitor over an in-memory task hub (the Orchestrations port): one
// instance per cluster by its deterministic id, started once, handed new desired states as events,
// stopped by a deletion; its report read from its custom status.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  driftMonitorInput,
  ensureDriftMonitor,
  stopDriftMonitor,
} from "../../../application/drift-monitor.js";
import { driftOf } from "../../../shared/provision/status.js";
import type { Instance, Orchestrations } from "../../../application/ports.js";
import { driftInstanceId } from "../../../shared/azure/names.js";
import { loadConfig } from "../../../shared/config/index.js";
import { instanceIdOf, provisionInput } from "../provision/fixtures.js";

interface Hub extends Orchestrations {
  instances: Map<string, Instance>;
  log: string[];
}

function hub(): Hub {
  const instances = new Map<string, Instance>();
  const log: string[] = [];
  return {
    instances,
    log,
    start: (orchestration, { instanceId, input }) => {
      const existing = instances.get(instanceId);
      if (existing?.runtimeStatus === "Running") return Promise.reject(new Error("already running"));
      log.push(`start ${orchestration.name} ${instanceId}`);
      instances.set(instanceId, {
        instanceId,
        name: orchestration.name,
        runtimeStatus: "Running",
        input,
        output: null,
      });
      return Promise.resolve(instanceId);
    },
    getStatus: (id) => Promise.resolve(instances.get(id)),
    terminate: (id, reason) => {
      log.push(`terminate ${id}: ${reason}`);
      instances.get(id)!.runtimeStatus = "Terminated";
      return Promise.resolve();
    },
    raiseEvent: (id, name, data) => {
      log.push(`raise ${name} ${id} generation ${(data as { generation: number }).generation}`);
      return Promise.resolve();
    },
  };
}

const input = provisionInput();
const base = instanceIdOf(input);
const monitor = driftInstanceId(base);
const config = loadConfig({ AKSV_TIME_SCALE: "0.01" });

describe("drift monitor (API side)", () => {
  it("starts the cluster's monitor once, then hands it each new desired state", async () => {
    const h = hub();
    const first = driftMonitorInput(config, base, 1, input);
    assert.deepEqual(first, { baseInstanceId: base, generation: 1, desired: input, intervalSeconds: 36 });
    await ensureDriftMonitor(h, first);
    await ensureDriftMonitor(h, driftMonitorInput(config, base, 2, input));
    assert.deepEqual(h.log, [`start driftMonitor ${monitor}`, `raise desired ${monitor} generation 2`]);
    // A create's start is tried without a read first; a monitor already running (a POST sent again)
    // gets the state as an event instead.
    await ensureDriftMonitor(h, first);
    assert.equal(h.log.at(-1), `raise desired ${monitor} generation 1`);
    assert.deepEqual(h.instances.get(monitor)?.input, first);
  });

  it("starts a new monitor when the last one ended", async () => {
    const h = hub();
    await ensureDriftMonitor(h, driftMonitorInput(config, base, 1, input));
    h.instances.get(monitor)!.runtimeStatus = "Completed";
    await ensureDriftMonitor(h, driftMonitorInput(config, base, 1, input));
    assert.deepEqual(h.log, [`start driftMonitor ${monitor}`, `start driftMonitor ${monitor}`]);
  });

  it("hands the state to a monitor a concurrent request started first", async () => {
    const h = hub();
    const start = h.start.bind(h);
    h.start = (o, options) => {
      // Someone else's start lands between our read and our start.
      h.instances.set(options.instanceId, {
        instanceId: options.instanceId,
        name: o.name,
        runtimeStatus: "Running",
        input: null,
        output: null,
      });
      return start(o, options);
    };
    await ensureDriftMonitor(h, driftMonitorInput(config, base, 3, input));
    assert.deepEqual(h.log, [`raise desired ${monitor} generation 3`]);
  });

  it("stops a running monitor, and does nothing when none runs", async () => {
    const h = hub();
    await stopDriftMonitor(h, base);
    assert.deepEqual(h.log, []);
    await ensureDriftMonitor(h, driftMonitorInput(config, base, 1, input));
    await stopDriftMonitor(h, base);
    assert.deepEqual(h.log.slice(1), [`terminate ${monitor}: the cluster is being deleted`]);
  });

  it("reads the drift a running monitor reports, and none of a stopped one", () => {
    const drift = [
      { path: "nodePool.count", expected: 1, actual: 2, detectedAt: "2026-01-01T00:00:00.000Z" },
    ];
    const running: Instance = {
      instanceId: monitor,
      name: "driftMonitor",
      runtimeStatus: "Running",
      input: null,
      output: null,
      customStatus: { drift, checkedAt: "2026-01-01T00:00:00.000Z", generation: 1 },
    };
    assert.deepEqual(driftOf(running), drift);
    assert.equal(driftOf({ ...running, runtimeStatus: "Terminated" }), undefined);
    assert.equal(driftOf({ ...running, customStatus: undefined }), undefined);
    assert.equal(driftOf(undefined), undefined);
  });
});
