/* Hot loops of string instructions for the wasm tier: musl's memcpy and
 * memset (rep movsq/stosq and a movsb tail loop) called from hot loops,
 * rep movs/stos of every width forwards and backwards (DF set), a rep movs
 * of no elements, lods, a rep movsq that faults part-way at a mapping's end
 * (what it copied before the fault stays copied), and rep movsb writing
 * code into a page that is then run (a store to a code page leaves the
 * block). */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static uint8_t src[4096], dst[4096];

static uint64_t hash(const uint8_t *p, size_t n, uint64_t h) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

/* memcpy/memset of sizes 0..300 at varying offsets */
static uint64_t libc(int rounds) {
  uint64_t h = 1469598103934665603ull;
  for (int r = 0; r < rounds; r++) {
    size_t n = (size_t)(r * 37) % 301, so = (size_t)r % 13, d = (size_t)(r * 7) % 11;
    memcpy(dst + d, src + so, n);
    memset(dst + 2048 + so, r, n);
    h = hash(dst + d, n, h) ^ hash(dst + 2048 + so, 4, h);
  }
  return h;
}

/* rep movs{b,w,l,q} forwards, rep movsb backwards (std), rep stos{b,w,l,q}, rep of RCX = 0 */
static uint64_t reps(int rounds) {
  uint64_t h = 0;
  for (int r = 0; r < rounds; r++) {
    size_t n = (size_t)r % 64;
    void *s = src + r % 7, *d = dst + r % 5;
    size_t c = n;
    __asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
    c = n; __asm__ volatile("rep movsw" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
    c = n; __asm__ volatile("rep movsl" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
    c = n; __asm__ volatile("rep movsq" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
    /* backwards: from the last byte of each */
    s = src + 1000 + r % 9; d = dst + 1500; c = n;
    __asm__ volatile("std\n rep movsb\n cld" : "+S"(s), "+D"(d), "+c"(c) : : "memory", "cc");
    h += (uintptr_t)s - (uintptr_t)src + ((uintptr_t)d - (uintptr_t)dst) * 3;
    d = dst + 3000 + r % 3; c = n;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(c) : "a"(0x11 * r) : "memory");
    c = n; __asm__ volatile("rep stosw" : "+D"(d), "+c"(c) : "a"(0x1234 + r) : "memory");
    c = n / 2; __asm__ volatile("rep stosl" : "+D"(d), "+c"(c) : "a"(0xdeadbeef ^ r) : "memory");
    c = n / 4; __asm__ volatile("rep stosq" : "+D"(d), "+c"(c) : "a"(0x0123456789abcdefull * r) : "memory");
    d = dst + 100; c = 0;
    __asm__ volatile("std\n rep stosq\n cld" : "+D"(d), "+c"(c) : "a"(0) : "memory", "cc");
    h = hash(dst, sizeof dst, h) + (uintptr_t)d - (uintptr_t)dst;
  }
  return h;
}

/* lods{b,w,l,q} and single movs/stos without rep, forwards and backwards */
static uint64_t singles(int rounds) {
  uint64_t h = 0;
  for (int r = 0; r < rounds; r++) {
    const void *s = src + r % 200;
    uint64_t a = 0x1111111111111111ull * (r & 15);
    __asm__ volatile("lodsb\n add %%rax, %[h]\n lodsw\n add %%rax, %[h]\n lodsl\n add %%rax, %[h]\n lodsq\n add %%rax, %[h]"
                     : "+S"(s), "+a"(a), [h] "+r"(h) : : "memory", "cc");
    void *d = dst + 400 + r % 100;
    s = src + r % 300;
    __asm__ volatile("movsb\n movsw\n movsl\n movsq\n stosb\n std\n movsq\n stosl\n cld"
                     : "+S"(s), "+D"(d), "+a"(a) : : "memory", "cc");
    h = h * 31 + ((uintptr_t)s - (uintptr_t)src) + ((uintptr_t)d - (uintptr_t)dst);
  }
  return h ^ hash(dst, sizeof dst, 0);
}

static sigjmp_buf back;
static void onSegv(int sig) { (void)sig; siglongjmp(back, 1); }

/* rep movsq of 1024 quads from a 4096-byte mapping: faults at the 513th; the 512 before it are copied */
static uint64_t faulting(int rounds) {
  uint8_t *page = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(page + 4096, 4096);
  static uint8_t to[8192];
  signal(SIGSEGV, onSegv);
  uint64_t h = 0;
  for (volatile int r = 0; r < rounds; r++) {
    memset(page, r, 4096);
    memset(to, 0xee, sizeof to);
    if (sigsetjmp(back, 1) == 0) {
      void *s = page + (r % 4) * 8, *d = to;
      size_t c = 1024;
      __asm__ volatile("rep movsq" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
    }
    h = hash(to, sizeof to, h);
  }
  signal(SIGSEGV, SIG_DFL);
  return h;
}

/* code written with memcpy (movsb) into an executable page, then called: each version returns its own value */
static uint64_t selfWritten(int rounds) {
  uint8_t *code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uint64_t h = 0;
  for (int r = 0; r < rounds; r++) {
    uint8_t f[6] = { 0xb8, (uint8_t)r, (uint8_t)(r >> 8), 0, 0, 0xc3 }; /* mov eax, r; ret */
    size_t c = sizeof f;
    void *s = f, *d = code + (r % 2) * 64;
    __asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
    h = h * 3 + ((int (*)(void))(code + (r % 2) * 64))();
  }
  return h;
}

int main(void) {
  for (int i = 0; i < 4096; i++) src[i] = (uint8_t)(i * 167 + 13);
  printf("libc %016llx\n", (unsigned long long)libc(20000));
  printf("reps %016llx\n", (unsigned long long)reps(3000));
  printf("singles %016llx\n", (unsigned long long)singles(20000));
  printf("faulting %016llx\n", (unsigned long long)faulting(40));
  printf("self-written %016llx\n", (unsigned long long)selfWritten(300));
  return 0;
}
