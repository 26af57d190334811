// Per-team cluster quota with no storage of its own: slot k of team T is the durable orchestration
// instance `aksv-quota-<T>-<k>` (k < quota), running `clusterQuotaSlot` for as long as it is held.
// The durable client refuses to start an instance id that is still running, so at most `quota`
// claims of a team can succeed at once, however many requests race. (The orchestration is declared
// with the others in durable.ts.)

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
