/**
 * The page pool every TCP stream stores copied bytes in: one preallocated arena of `memcap`
 * bytes cut into fixed pages, a free-list stack of page numbers. This is the global
 * reassembly memory cap: when it is empty the engine evicts (see tcp.ts) instead of growing.
 */
export const PAGE_SHIFT = 11;
/** 2 KiB: a full-MSS (1460) segment fits in one page, so out-of-order records never chain. */
export const PAGE = 1 << PAGE_SHIFT;

export class PagePool {
  readonly arena: Uint8Array;
  readonly pages: number;
  private readonly free: Int32Array;
  private top: number;

  constructor(memcapBytes: number) {
    this.pages = Math.max(16, Math.floor(memcapBytes / PAGE));
    this.arena = new Uint8Array(this.pages * PAGE);
    this.free = new Int32Array(this.pages);
    for (let i = 0; i < this.pages; i++) this.free[i] = this.pages - 1 - i;
    this.top = this.pages;
  }

  /** A page number, or -1 when the cap is reached. */
  alloc(): number {
    return this.top === 0 ? -1 : this.free[--this.top]!;
  }

  release(p: number): void {
    this.free[this.top++] = p;
  }

  get available(): number {
    return this.top;
  }

  get usedBytes(): number {
    return (this.pages - this.top) * PAGE;
  }
}
