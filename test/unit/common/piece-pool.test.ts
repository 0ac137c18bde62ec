import { describe, expect, it } from "vitest";
import { PiecePool } from "../../../src/common/piece-pool";

/** Moves the bytes of `buffer` to a new ArrayBuffer object, detaching the old one. */
function transfer(buffer: ArrayBufferLike): ArrayBuffer {
  return structuredClone(buffer, { transfer: [buffer as ArrayBuffer] }) as ArrayBuffer;
}

/** What a BYOB read does to the buffer it is given: moves it to a new ArrayBuffer object. */
function filled(buffer: Uint8Array, bytes: number): Uint8Array {
  return new Uint8Array(transfer(buffer.buffer), 0, bytes);
}

describe("PiecePool", () => {
  it("hands a buffer out again only once every holder released it", () => {
    const pool = new PiecePool(1024, 4);
    const piece = filled(pool.take(), 1000);
    pool.adopt(piece); // the reader
    const a = piece.subarray(0, 400);
    const b = piece.subarray(400);
    pool.hold(a); // a chunk keeping the first part
    pool.hold(b); // the next chunk keeping the rest
    pool.release(piece); // the reader moved on
    pool.release(a);
    expect(pool.stats().free).toBe(0);
    pool.release(b);
    expect(pool.stats()).toEqual({ created: 1, reused: 0, free: 1, lent: 0 });
    expect(pool.take().buffer).toBe(piece.buffer);
    expect(pool.stats().reused).toBe(1);
  });

  it("ignores buffers it did not hand out, and extra releases", () => {
    const pool = new PiecePool(1024, 4);
    const foreign = new Uint8Array(1024);
    pool.hold(foreign);
    pool.release(foreign);
    pool.release(foreign);
    expect(pool.stats().free).toBe(0);
    const piece = filled(pool.take(), 1024);
    pool.adopt(piece);
    pool.release(piece);
    pool.release(piece); // a second release must not put it in the free list twice
    expect(pool.stats().free).toBe(1);
    expect(pool.take().buffer).toBe(piece.buffer);
    expect(pool.take().buffer).not.toBe(piece.buffer);
  });

  it("keeps at most maxFree buffers, and never a detached one", () => {
    const pool = new PiecePool(1024, 2);
    const pieces = [0, 1, 2].map(() => filled(pool.take(), 1024));
    for (const p of pieces) pool.adopt(p);
    for (const p of pieces) pool.release(p);
    expect(pool.stats().free).toBe(2);
    pool.take();
    pool.take();
    const moved = filled(pool.take(), 10);
    pool.adopt(moved);
    transfer(moved.buffer); // the runtime took it elsewhere
    pool.release(moved);
    expect(pool.stats().free).toBe(0);
  });

  it("keeps a few free buffers when trimmed", () => {
    const pool = new PiecePool(1024, 64);
    const pieces = Array.from({ length: 10 }, () => filled(pool.take(), 1024));
    for (const p of pieces) pool.adopt(p);
    for (const p of pieces) pool.release(p);
    expect(pool.stats()).toMatchObject({ free: 10, lent: 0 });
    pool.trim();
    expect(pool.stats()).toMatchObject({ free: 4, lent: 0 });
  });

  it("takes back an unheld buffer whose bytes were copied out", () => {
    const pool = new PiecePool(1024, 2);
    const short = filled(pool.take(), 10);
    pool.giveBack(short);
    expect(pool.take().buffer).toBe(short.buffer);
    const held = filled(pool.take(), 1024);
    pool.adopt(held);
    pool.giveBack(held); // held by someone: not free
    expect(pool.stats().free).toBe(0);
  });
});
