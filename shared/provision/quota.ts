// Quota slots of earlier versions: slot k of team T was the durable orchestration instance
// `aksv-quota-<T>-<k>`, running `clusterQuotaSlot` while held. Claims now go to a Table row per team
// (application/team-quota.ts), since finding a team's slots meant listing the whole task hub; the
// orchestration stays registered so that slot instances started before the change can still be
// replayed, released and purged.

export const RELEASE_EVENT = "release";

export interface QuotaSlotInput {
  team: string;
  /** The provisioning instance id whose cluster the slot counts. */
  holder: string;
  /** The cluster's name, for messages. */
  cluster: string;
}

/** The `release` event's data: only the slot's own holder can free it (a stale release cannot). */
export interface QuotaRelease {
  holder: string;
  /** When set, only this slot instance is released (another slot of the same holder stays). */
  slot?: string;
}

export function quotaSlotId(team: string, k: number): string {
  return `aksv-quota-${team}-${k}`;
}

export function isQuotaSlotInput(v: unknown): v is QuotaSlotInput {
  const o = v as Partial<QuotaSlotInput> | null;
  return typeof o?.team === "string" && typeof o.holder === "string" && typeof o.cluster === "string";
}

/** Does `event` release the slot `slotId` held by `input.holder`? */
export function releases(input: QuotaSlotInput, slotId: string, event: unknown): boolean {
  const r = event as Partial<QuotaRelease> | null;
  return r?.holder === input.holder && (r.slot === undefined || r.slot === slotId);
}
