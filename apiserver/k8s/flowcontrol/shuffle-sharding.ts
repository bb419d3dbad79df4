// Shuffle sharding as k8s.io/apiserver pkg/util/shufflesharding: a flow's 64-bit hash (kube's hashFlowID: SHA-256 of
// the schema name, a zero byte and the distinguisher, first 8 bytes little-endian) deals it a hand of distinct queues.
// Two flows share a whole hand only rarely, so one heavy flow fills at most its own hand of queues.

import { createHash } from 'node:crypto';

export function hashFlowID(schemaName: string, distinguisher: string): bigint {
  const sum = createHash('sha256').update(schemaName).update(Buffer.from([0])).update(distinguisher).digest();
  return sum.readBigUInt64LE(0);
}

/** The queue indexes of a hand of `handSize` out of `deckSize` for `hashValue` (kube's Dealer.DealIntoHand). */
export function dealHand(hashValue: bigint, deckSize: number, handSize: number): number[] {
  const remainders: number[] = [];
  let value = hashValue;
  for (let i = 0; i < handSize; i++) {
    const size = BigInt(deckSize - i);
    const next = value / size;
    remainders.push(Number(value - size * next));
    value = next;
  }
  const hand: number[] = [];
  for (let i = 0; i < handSize; i++) {
    let card = remainders[i]!;
    for (let j = i; j > 0; j--) {
      if (card >= remainders[j - 1]!) card++;
    }
    hand.push(card);
  }
  return hand;
}
