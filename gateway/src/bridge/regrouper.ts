import type { DeviceQueues } from './device-queues.js';
import type { DeviceState } from './types.js';

export interface RegrouperOptions {
  queues: DeviceQueues;
  /** Names the group (shard) a device's entries go to, by the shard map now in force. */
  groupOf: (deviceId: string) => string;
}

/**
 * What a shard-map change does to the devices the bridge holds: every device takes its new group; ready devices
 * are listed again, group by group in their old FIFO order, so none loses its turn; a device in flight is listed
 * by its new group when its entry settles. Entries already packed, in flight or waiting for a retry, keep the
 * group they were packed for (and so its rate limit): the service routes them by their partition key anyway.
 */
export interface Regrouper {
  regroup(): void;
}

export function createRegrouper(options: RegrouperOptions): Regrouper {
  const { queues, groupOf } = options;
  return {
    regroup() {
      const ready: DeviceState[] = [...queues.groups.values()].flatMap((g) => [...g.ready]);
      queues.clearReady();
      for (const device of queues.devices.values()) device.groupKey = groupOf(device.id);
      for (const device of ready) queues.makeReady(device);
    },
  };
}
