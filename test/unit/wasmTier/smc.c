/* Code rewritten while it is hot: a loop calls a function in an RWX page
 * (mov eax, imm32; ret — small enough for a wasm block of its own, entered
 * and left through the wasm chain) and rewrites its immediate every few
 * rounds; a second function in the page is rewritten from `add` to `sub`.
 * Output depends only on the program (compared with the host's). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define NOINLINE __attribute__((noinline))

typedef uint32_t (*fn0)(void);
typedef uint64_t (*fn2)(uint64_t, uint64_t);

NOINLINE static uint64_t step(fn0 f, fn2 g, uint64_t acc, int i) {
  return g(acc * 3 + f(), (uint64_t)i);
}

int main(void) {
  uint8_t *page = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return 1;
  /* f: mov eax, imm32; ret */
  static const uint8_t f[] = {0xb8, 1, 0, 0, 0, 0xc3};
  /* g: mov rax, rdi; add rax, rsi; ret  (48 89 f8 / 48 01 f0 / c3); sub is 48 29 f0 */
  static const uint8_t g[] = {0x48, 0x89, 0xf8, 0x48, 0x01, 0xf0, 0xc3};
  memcpy(page, f, sizeof f);
  memcpy(page + 64, g, sizeof g);
  fn0 fp = (fn0)(void *)page;
  fn2 gp = (fn2)(void *)(page + 64);
  uint64_t acc = 0;
  for (int i = 0; i < 200000; i++) {
    acc = step(fp, gp, acc, i);
    if (i % 997 == 996) {
      uint32_t imm = (uint32_t)(i * 2654435761u);
      memcpy(page + 1, &imm, 4);
      __asm__ volatile("" ::: "memory");
    }
    if (i % 4999 == 4998) {
      page[64 + 4] = page[64 + 4] == 0x01 ? 0x29 : 0x01;
      __asm__ volatile("" ::: "memory");
    }
  }
  printf("smc acc=%llu\n", (unsigned long long)acc);
  return 0;
}
