// An open-addressing hash table from a pair of non-negative int32 ids to an int32 value, in typed
// arrays: the encoder looks up several pairs per character, and a Map keyed by numbers was its
// largest cost.

export class PairTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected = 16) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.keysA = new Int32Array(capacity).fill(-1);
    this.keysB = new Int32Array(capacity);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ b;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
    return (h ^ (h >>> 13)) & this.mask;
  }

  /** The value for (a, b), or -1 when absent. */
  get(a: number, b: number): number {
    let i = this.slot(a, b);
    for (;;) {
      const ka = this.keysA[i]!;
      if (ka === -1) return -1;
      if (ka === a && this.keysB[i] === b) return this.values[i]!;
      i = (i + 1) & this.mask;
    }
  }

  set(a: number, b: number, value: number): void {
    if ((this.size + 1) * 2 > this.keysA.length) this.grow();
    let i = this.slot(a, b);
    for (;;) {
      const ka = this.keysA[i]!;
      if (ka === -1) {
        this.keysA[i] = a;
        this.keysB[i] = b;
        this.values[i] = value;
        this.size++;
        return;
      }
      if (ka === a && this.keysB[i] === b) {
        this.values[i] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const { keysA, keysB, values } = this;
    const capacity = keysA.length * 2;
    this.keysA = new Int32Array(capacity).fill(-1);
    this.keysB = new Int32Array(capacity);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.size = 0;
    for (let i = 0; i < keysA.length; i++) if (keysA[i] !== -1) this.set(keysA[i]!, keysB[i]!, values[i]!);
  }
}
