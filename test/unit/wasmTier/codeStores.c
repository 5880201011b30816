/* A hot loop whose read-modify-write store lands in code that runs every
 * round (the immediate of `mov $imm, %al; ret`): the store leaves the wasm
 * code at once, as a watched store does (the blocks of that code go), and
 * the flags it made must go with it to the branch after it. Its own program:
 * code changed at run time never comes from the block cache
 * (test/unit/wasmTierCache.test.ts runs loops.c warm). */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

static long codeStores(long n, long *al) {
  uint8_t *p = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  p[0] = 0xb0; p[1] = 0; p[2] = 0xc3;
  long zeros = 0, sum = 0;
  __asm__ volatile(
    "1:\n"
    "addb $1, 1(%[c])\n"   /* ZF every 256 rounds */
    "jnz 2f\n"
    "inc %[z]\n"
    "2:\n"
    "call *%[c]\n"
    "add %%rax, %[s]\n"
    "dec %[n]\n"
    "jnz 1b\n"
    : [z] "+r"(zeros), [n] "+r"(n), [s] "+r"(sum) : [c] "r"(p) : "rax", "cc", "memory");
  munmap(p, 4096);
  *al = sum;
  return zeros;
}

int main(void) {
  long al = 0, wraps = codeStores(3000, &al);
  printf("stores into code: %ld wraps, sum %ld\n", wraps, al);
  return 0;
}
