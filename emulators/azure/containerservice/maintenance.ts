// managedClusters/{name}/maintenanceConfigurations/{config}: synchronous PUT (200), GET, list and
// DELETE (200, 204 when absent), stored under the cluster so they go with it. AKS's names: "default"
// (timeInWeek slots) and the two AKS-managed schedules, whose maintenanceWindow is checked as AKS does:
// one schedule kind, 4-24 hours, "HH:mm" start, "+HH:mm" offset, weekly every 1-4 weeks.
import type { ProviderContext, ResourceRef } from "../core/context.js";
import { ArmErrors } from "../core/errors.js";
import type { JsonObject, StoredResource } from "../core/store.js";
import { ContainerServiceErrors } from "./errors.js";

export const MAINTENANCE_TYPE = "Microsoft.ContainerService/managedClusters/maintenanceConfigurations";
const MANAGED = ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const SCHEDULES = ["daily", "weekly", "absoluteMonthly", "relativeMonthly"];
const invalid = ContainerServiceErrors.InvalidParameter;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

function checkWindow(w: Obj): void {
  const at = (f: string) => `properties.maintenanceWindow.${f}`;
  const schedule = obj(w["schedule"]);
  const kinds = SCHEDULES.filter((k) => schedule[k] !== undefined && schedule[k] !== null);
  if (kinds.length !== 1)
    throw invalid(
      "Exactly one of daily, weekly, absoluteMonthly or relativeMonthly must be set.",
      at("schedule"),
    );
  if (kinds[0] === "weekly") {
    const weekly = obj(schedule["weekly"]);
    const every = weekly["intervalWeeks"];
    if (typeof every !== "number" || !Number.isInteger(every) || every < 1 || every > 4)
      throw invalid("intervalWeeks must be between 1 and 4.", at("schedule.weekly.intervalWeeks"));
    if (!DAYS.includes(String(weekly["dayOfWeek"])))
      throw invalid(
        `'${String(weekly["dayOfWeek"])}' is not a day of the week.`,
        at("schedule.weekly.dayOfWeek"),
      );
  }
  const hours = w["durationHours"];
  if (typeof hours !== "number" || !Number.isInteger(hours) || hours < 4 || hours > 24)
    throw invalid("durationHours must be between 4 and 24.", at("durationHours"));
  if (!/^(?:[01]\d|2[0-3]):[0-5]\d$/.test(String(w["startTime"])))
    throw invalid("startTime must be between '00:00' and '23:59'.", at("startTime"));
  const offset = w["utcOffset"];
  if (offset !== undefined && !/^[+-](?:0\d|1[0-4]):[0-5]\d$/.test(String(offset)))
    throw invalid("utcOffset must be in the format +/-HH:mm.", at("utcOffset"));
}

export class MaintenanceConfigurations {
  constructor(
    private readonly ctx: ProviderContext,
    private readonly cluster: (ref: ResourceRef) => StoredResource,
  ) {}

  private id(ref: ResourceRef, name: string): string {
    return `${this.cluster(ref).id}/maintenanceConfigurations/${name}`;
  }

  put(ref: ResourceRef, name: string, properties: Obj): { body: JsonObject; created: boolean } {
    const id = this.id(ref, name);
    const managed = MANAGED.find((m) => m.toLowerCase() === name.toLowerCase());
    if (!managed && name.toLowerCase() !== "default")
      throw invalid(
        `Maintenance configuration name '${name}' is not supported; use default, ${MANAGED.join(" or ")}.`,
        "name",
      );
    if (managed) {
      if (properties["maintenanceWindow"] === undefined)
        throw invalid(
          `Maintenance configuration '${managed}' requires maintenanceWindow.`,
          "properties.maintenanceWindow",
        );
      if (properties["timeInWeek"] !== undefined)
        throw invalid(
          `Maintenance configuration '${managed}' takes maintenanceWindow, not timeInWeek.`,
          "properties.timeInWeek",
        );
      checkWindow(obj(properties["maintenanceWindow"]));
    }
    const existing = this.ctx.store.get(id);
    const window = obj(properties["maintenanceWindow"]);
    const stored: StoredResource = {
      id: existing?.id ?? id,
      type: MAINTENANCE_TYPE,
      body: {
        id: existing?.id ?? id,
        name: (existing?.body["name"] as string | undefined) ?? managed ?? name,
        type: MAINTENANCE_TYPE,
        properties: {
          ...(properties as JsonObject),
          ...(managed ? { maintenanceWindow: { utcOffset: "+00:00", ...(window as JsonObject) } } : {}),
        },
      },
      internal: {},
    };
    this.ctx.store.put(stored);
    return { body: stored.body, created: !existing };
  }

  get(ref: ResourceRef, name: string): JsonObject {
    const r = this.ctx.store.get(this.id(ref, name));
    if (!r)
      throw ArmErrors.ResourceNotFound(
        `Microsoft.ContainerService/managedClusters/${ref.name}/maintenanceConfigurations/${name}`,
        ref.rg,
      );
    return r.body;
  }

  list(ref: ResourceRef): JsonObject[] {
    return this.ctx.store.list(this.cluster(ref).id, MAINTENANCE_TYPE).map((r) => r.body);
  }

  delete(ref: ResourceRef, name: string): boolean {
    const id = this.id(ref, name);
    const found = this.ctx.store.get(id) !== undefined;
    this.ctx.store.remove(id);
    return found;
  }
}
