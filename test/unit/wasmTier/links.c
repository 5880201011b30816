/* One-instruction traces that link wasm chains: a trampoline that is only
 * `jmp *%rdx` (as musl's qsort calls its comparator through wrapper_cmp)
 * and a lone `ret` that a conditional branch jumps to (gcc's shared
 * epilogue). Output depends only on the program (compared with the host's). */
#include <stdint.h>
#include <stdio.h>

typedef uint64_t (*op_fn)(uint64_t, uint64_t);
uint64_t tramp(uint64_t a, uint64_t b, op_fn f);
uint64_t pick(uint64_t a, uint64_t b);
__asm__(".text\n.globl tramp\n.type tramp,@function\ntramp:\n jmp *%rdx\n"
        ".globl pick\n.type pick,@function\npick:\n mov %rdi,%rax\n cmp %rsi,%rdi\n jb 1f\n add %rsi,%rax\n1:\n ret\n");

__attribute__((noinline)) static uint64_t op_a(uint64_t a, uint64_t b) { return a * 3 + b; }
__attribute__((noinline)) static uint64_t op_b(uint64_t a, uint64_t b) { return a ^ (b >> 3); }
static op_fn ops[2] = {op_a, op_b};

int main(void) {
  uint64_t s = 1, t = 0;
  for (int i = 0; i < 300000; i++) {
    s = tramp(s, (uint64_t)i, ops[i & 1]);
    t += pick(s & 0xffff, (uint64_t)i & 0xffff);
  }
  printf("links s=%llu t=%llu\n", (unsigned long long)s, (unsigned long long)t);
  return 0;
}
