// Claiming and releasing per-team quota slots (shared/provision/quota.ts) through the durable client.
// Exact under concurrency: a claim is a startNew of a slot's instance id, which the durable client
// refuses while that instance runs (host.json: overridableExistingInstanceStates NonRunningStates).
import { teamQuota, type QuotaConfig } from "../shared/config/index.js";
import { ORCHESTRATION } from "../shared/provision/durable.js";
import {
  isQuotaSlotInput,
  quotaSlotId,
  RELEASE_EVENT,
  type QuotaRelease,
  type QuotaSlotInput,
} from "../shared/provision/quota.js";
import { isRunning, timeOf } from "../shared/provision/status.js";
import type { Phase } from "../shared/provision/types.js";
import { isInstanceOf, type Instance, type Orchestrations } from "./ports.js";

/** What the API knows of the cluster a slot's holder (a provisioning instance id) stands for. */
export interface Holding {
  name: string;
  team: string;
  phase: Phase;
  /** When the deletion that made it Deleted was requested (ms since epoch). */
  deletedSince?: number;
}

export interface TeamQuotaDeps {
  orchestrations: Orchestrations;
  quota: QuotaConfig;
  /**
   * The cluster a holder stands for, looked up in `known` (every instance of the task hub, read once
   * per claim: the holders' statuses are among them).
   */
  holding(holder: string, known: ReadonlyMap<string, Instance>): Holding | undefined;
  now(): number;
  /** A claimed slot whose holder never started (the API crashed in between) is freed after this. */
  orphanAfterMs?: number;
  /** How long a claim waits for slots it released to finish. */
  settleMs?: number;
}

export type Claim =
  | { ok: true; slot: string; started: boolean }
  | { ok: false; limit: number; setting: string; clusters: string[] };

interface Slot {
  id: string;
  created: number;
  input: QuotaSlotInput;
}

export class TeamQuota {
  constructor(private readonly deps: TeamQuotaDeps) {}

  private get o(): Orchestrations {
    return this.deps.orchestrations;
  }

  private slots(all: Instance[], team: string): Slot[] {
    return all
      .filter(
        (i: Instance) =>
          isInstanceOf(i, ORCHESTRATION.clusterQuotaSlot) &&
          isRunning(i) &&
          isQuotaSlotInput(i.input) &&
          i.input.team === team,
      )
      .map((i) => ({ id: i.instanceId, created: timeOf(i.createdTime), input: i.input as QuotaSlotInput }))
      .sort((a, b) => a.created - b.created);
  }

  /**
   * Does the slot no longer count? Its holder's cluster was deleted after the slot was claimed (a
   * slot claimed after the deletion is a re-create's), now belongs to another team, or never
   * started and the claim is old.
   */
  private stale(slot: Slot, h: Holding | undefined): boolean {
    if (!h) return this.deps.now() - slot.created > (this.deps.orphanAfterMs ?? 5 * 60_000);
    if (h.phase === "Deleted") return (h.deletedSince ?? 0) >= slot.created;
    return h.team !== slot.input.team;
  }

  /** Takes a slot of `input.team` for `input.holder`, or says which clusters fill the quota. */
  async claim(input: QuotaSlotInput): Promise<Claim> {
    const { team, holder } = input;
    const limit = teamQuota(this.deps.quota, team);
    const all = await this.o.getStatusAll();
    const known = new Map(all.map((i) => [i.instanceId, i]));
    const slots = this.slots(all, team);
    const held: string[] = [];
    const releasing: string[] = [];
    const holders = new Set<string>();
    for (const slot of slots) {
      const h = slot.input.holder;
      if (holders.has(h) || this.stale(slot, this.deps.holding(h, known))) {
        // A holder counts once: a second slot of it (two identical requests raced) goes too. A
        // re-create after a deletion gets a fresh slot rather than its stale one, so that a
        // concurrent claim releasing the stale one cannot take the new cluster's slot away.
        await this.release(h, slot.id);
        releasing.push(slot.id);
        continue;
      }
      if (h === holder) return { ok: true, slot: slot.id, started: false };
      holders.add(h);
      held.push(slot.input.cluster);
    }
    const ids = Array.from({ length: limit }, (_, k) => quotaSlotId(team, k));
    const busy = new Set(slots.map((s) => s.id));
    const claimed =
      (await this.start(
        ids.filter((id) => !busy.has(id)),
        input,
      )) ?? (await this.start(await this.settled(releasing.filter((id) => ids.includes(id))), input));
    if (claimed) return claimed;
    // Name the clusters as they are now: racing requests may have filled the slots since the read.
    const clusters = [
      ...new Set([
        ...held,
        ...this.slots(await this.o.getStatusAll(), team)
          .filter((slot) => !releasing.includes(slot.id))
          .map((slot) => slot.input.cluster),
      ]),
    ];
    const setting = this.deps.quota.perTeam[team] !== undefined ? "AKSV_TEAM_QUOTAS" : "AKSV_TEAM_QUOTA";
    return { ok: false, limit, setting, clusters: clusters.sort() };
  }

  /** Frees `slot` if `holder` still holds it (a conditional release: see clusterQuotaSlot). */
  async release(holder: string, slot: string): Promise<void> {
    const event: QuotaRelease = { holder, slot };
    // A slot that completed meanwhile (another request released it) answers 410: nothing to do.
    await this.o.raiseEvent(slot, RELEASE_EVENT, event).catch(() => undefined);
  }

  private async start(ids: string[], input: QuotaSlotInput): Promise<Claim | undefined> {
    for (const id of ids) {
      try {
        await this.o.start(ORCHESTRATION.clusterQuotaSlot, { instanceId: id, input });
        return { ok: true, slot: id, started: true };
      } catch (e) {
        // Refused because the slot is taken meanwhile (else a real failure); taken by an identical
        // request for the same holder, it is ours to share.
        const now = await this.o.getStatus(id).catch(() => undefined);
        if (!now || !isRunning(now)) throw e;
        if (isQuotaSlotInput(now.input) && now.input.holder === input.holder)
          return { ok: true, slot: id, started: false };
      }
    }
    return undefined;
  }

  /** Waits (briefly) until the released slots have completed; returns those that did. */
  private async settled(ids: string[]): Promise<string[]> {
    const deadline = Date.now() + (this.deps.settleMs ?? 10_000);
    let pending = ids;
    while (pending.length > 0 && Date.now() < deadline) {
      const states = await Promise.all(pending.map((id) => this.o.getStatus(id).catch(() => undefined)));
      pending = pending.filter((_, i) => states[i] !== undefined && isRunning(states[i]));
      if (pending.length > 0) await new Promise((r) => setTimeout(r, 25));
    }
    return ids.filter((id) => !pending.includes(id));
  }
}
