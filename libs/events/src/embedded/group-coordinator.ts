/** A member of an embedded consumer group (one subscription). */
export interface GroupMember {
  /** Starts consuming the partitions. */
  assign(partitions: readonly number[]): void;
  /** Stops consuming the partitions; resolves once their in-flight work finished. */
  revoke(partitions: readonly number[]): Promise<void>;
}

interface GroupState {
  readonly partitions: number;
  readonly members: GroupMember[];
  readonly owners: Map<number, GroupMember>;
}

/**
 * In-process group coordinator of the embedded bus, per (group, topic). Partition `p` belongs to
 * the member at index `p % members` (join order). Every join or leave rebalances; rebalances run
 * one at a time, and a moved partition is revoked (its in-flight work finished) before its new
 * owner starts, so a partition is owned by one member at a time.
 */
export class GroupCoordinator {
  private readonly groups = new Map<string, GroupState>();
  private queue: Promise<void> = Promise.resolve();

  join(group: string, topic: string, partitions: number, member: GroupMember): Promise<void> {
    return this.serialize(async () => {
      const id = groupId(group, topic);
      let state = this.groups.get(id);
      if (!state) {
        state = { partitions, members: [], owners: new Map() };
        this.groups.set(id, state);
      }
      state.members.push(member);
      await this.rebalance(state);
    });
  }

  /** Removes members (their partitions are revoked first), then rebalances the rest once. */
  leave(group: string, topic: string, leaving: readonly GroupMember[]): Promise<void> {
    return this.serialize(async () => {
      const id = groupId(group, topic);
      const state = this.groups.get(id);
      if (!state) return;
      const gone = new Set(leaving);
      await Promise.all(leaving.map((member) => member.revoke(this.ownedBy(state, member))));
      for (const [partition, owner] of state.owners) if (gone.has(owner)) state.owners.delete(partition);
      const remaining = state.members.filter((member) => !gone.has(member));
      state.members.splice(0, state.members.length, ...remaining);
      if (remaining.length === 0) this.groups.delete(id);
      else await this.rebalance(state);
    });
  }

  private async rebalance(state: GroupState): Promise<void> {
    const target = (partition: number): GroupMember => state.members[partition % state.members.length]!;
    const revocations = new Map<GroupMember, number[]>();
    for (const [partition, owner] of state.owners) {
      if (owner !== target(partition)) push(revocations, owner, partition);
    }
    await Promise.all([...revocations].map(([member, partitions]) => member.revoke(partitions)));
    for (const partitions of revocations.values())
      for (const partition of partitions) state.owners.delete(partition);
    const assignments = new Map<GroupMember, number[]>();
    for (let partition = 0; partition < state.partitions; partition++) {
      if (state.owners.has(partition)) continue;
      const member = target(partition);
      state.owners.set(partition, member);
      push(assignments, member, partition);
    }
    for (const [member, partitions] of assignments) member.assign(partitions);
  }

  private ownedBy(state: GroupState, member: GroupMember): number[] {
    return [...state.owners].filter(([, owner]) => owner === member).map(([partition]) => partition);
  }

  private serialize(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work);
    // The caller gets `run` (and its error); the queue only needs to go on after a failure.
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function groupId(group: string, topic: string): string {
  return `${group}\u0000${topic}`;
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
