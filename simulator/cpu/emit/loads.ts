// Guest loads with the memory accessors' fast path written out in the block
// itself: a read-TLB hit reads the DataView directly, a miss (or an access
// that crosses its page) calls the accessor (ld8…ld64), which goes the slow
// way and may fault. V8 inlines only the first few accessor calls of a
// block (its inlining budget is about four of them), so in a longer trace
// most loads used to be real calls; written out, every load is inline.
//
// The check is exactly the accessors' (memory.ts): TRA/TRB are the read
// TLB's tags, TRX its frame offsets, DV the physical memory (bound by the
// compiler); ti and tj are temporaries of every block. A memory that
// records accesses (time travel) has accessors that do more on a hit: its
// blocks call them (Emitter.inlineMemory).

/** An expression loading `size` (1, 2 or 4) bytes at ml/mh: zero-extended for 1 and 2, an int32 for 4. */
export function loadExpr(size: number): string {
  const get = size === 1 ? 'DV.getUint8(tj)' : size === 2 ? 'DV.getUint16(tj,true)' : 'DV.getInt32(tj,true)';
  const fits = size === 1 ? '' : `&&(ml&4095)<=${4096 - size}`;
  return `(ti=ml>>>12,tj=ti&4095,TRA[tj]===ti&&TRB[tj]===mh${fits}?(tj=TRX[tj]+(ml&4095),${get}):ld${size * 8}(ml,mh))`;
}

/**
 * Statements loading 64 bits at the address (lo, hi) into dst, dstHi. The
 * address expressions are evaluated more than once: they must be plain
 * variables or register slots, not dst or dstHi.
 */
export function load64(lo: string, hi: string, dst: string, dstHi: string): string {
  return `ti=${lo}>>>12;tj=ti&4095;if(TRA[tj]===ti&&TRB[tj]===${hi}&&(${lo}&4095)<=4088){tj=TRX[tj]+(${lo}&4095);` +
    `${dst}=DV.getInt32(tj,true);${dstHi}=DV.getInt32(tj+4,true);}else{${dst}=ld64(${lo},${hi});${dstHi}=S[0];}`;
}

