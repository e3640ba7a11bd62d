/**
 * The share-gated activity slot supplier: slots within the maximum and only while the gate lets
 * the worker poll; a waiting reservation rechecks the gate, leaves no listener behind and gives up
 * when the SDK aborts it.
 */
import { GATE_RECHECK_MS, ShareGatedSlots } from '../../src/workers/share-gated-slots';

const ctx = {} as never;

describe('ShareGatedSlots', () => {
  it('hands out at most maxSlots, and again once one is released', () => {
    const slots = new ShareGatedSlots(2, { mayPoll: () => true });
    const a = slots.tryReserveSlot();
    expect(a).not.toBeNull();
    expect(slots.tryReserveSlot()).not.toBeNull();
    expect(slots.tryReserveSlot()).toBeNull();
    slots.releaseSlot({ permit: a as object });
    expect(slots.tryReserveSlot()).not.toBeNull();
  });

  it('asks the gate with the polls waiting at the server (reserved, not running a task)', () => {
    const asked: number[] = [];
    const slots = new ShareGatedSlots(10, { mayPoll: (waiting) => (asked.push(waiting), waiting < 2) });
    const first = slots.tryReserveSlot() as object;
    slots.tryReserveSlot();
    expect(slots.tryReserveSlot()).toBeNull(); // two polls waiting
    slots.markSlotUsed({ permit: first }); // one became a task
    expect(slots.tryReserveSlot()).not.toBeNull();
    expect(asked).toEqual([0, 1, 2, 1]);
  });

  it('a waiting reservation rechecks the gate, keeps no abort listener, and rejects when aborted', async () => {
    jest.useFakeTimers();
    try {
      let open = false;
      const slots = new ShareGatedSlots(5, { mayPoll: () => open });
      const controller = new AbortController();
      const added = jest.spyOn(controller.signal, 'addEventListener');
      const removed = jest.spyOn(controller.signal, 'removeEventListener');
      const reserved = slots.reserveSlot(ctx, controller.signal);
      await jest.advanceTimersByTimeAsync(GATE_RECHECK_MS * 10);
      expect(added.mock.calls.length - removed.mock.calls.length).toBe(1); // only the current wait's
      open = true;
      await jest.advanceTimersByTimeAsync(GATE_RECHECK_MS);
      await expect(reserved).resolves.toEqual({});

      open = false;
      const gaveUp = slots.reserveSlot(ctx, controller.signal);
      controller.abort();
      await expect(gaveUp).rejects.toMatchObject({ name: 'AbortError' });
      await expect(slots.reserveSlot(ctx, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      jest.useRealTimers();
    }
  });
});
