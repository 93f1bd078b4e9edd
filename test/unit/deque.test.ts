import { describe, expect, it } from 'vitest';
import { Deque } from '../../common/deque.js';

describe('Deque', () => {
  it('is a FIFO with indexed access, also across the compaction of its dead prefix', () => {
    // Prepare: enough shifts (≥ 1024 and half the array) to trigger compaction on the way.
    const q = new Deque<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    // Act
    const shifted: number[] = [];
    for (let i = 0; i < 3000; i++) shifted.push(q.shift() as number);
    // Assess
    expect(shifted).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(q.length).toBe(2000);
    expect([q.peek(), q.at(0), q.at(1999), q.at(2000), q.at(-1), q.last()]).toEqual([3000, 3000, 4999, undefined, undefined, 4999]);
    expect([...q]).toEqual(Array.from({ length: 2000 }, (_, i) => 3000 + i));
  });

  it('drops, clears and answers undefined when empty', () => {
    const q = new Deque<string>();
    expect([q.shift(), q.peek(), q.last(), q.length]).toEqual([undefined, undefined, undefined, 0]);
    for (const s of ['a', 'b', 'c']) q.push(s);
    q.drop(2);
    expect([...q]).toEqual(['c']);
    q.drop(5);
    expect(q.length).toBe(0);
    q.push('d');
    q.clear();
    expect([q.length, q.peek()]).toEqual([0, undefined]);
    q.push('e');
    expect([q.shift(), q.length]).toEqual(['e', 0]);
  });
});
