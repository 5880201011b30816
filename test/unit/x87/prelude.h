/* Runtime for the no-libc x87 test programs: _start, write(2), hex output. */
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef long long i64;

asm(".globl _start\n_start:\n\txor %ebp,%ebp\n\tand $-16,%rsp\n\tcall cmain\n\tmov %eax,%edi\n\tmov $60,%eax\n\tsyscall\n");

static char obuf[1 << 16];
static unsigned olen;
static long sys3(long n, long a, long b, long c) {
  long r;
  asm volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}
static void flush(void) { if (olen) sys3(1, 1, (long)obuf, olen); olen = 0; }
static void pc(char c) { if (olen == sizeof obuf) flush(); obuf[olen++] = c; }
static void ps(const char *s) { while (*s) pc(*s++); }
static void pu(unsigned long long v) { char t[24]; int n = 0; do t[n++] = (char)('0' + v % 10); while (v /= 10); while (n) pc(t[--n]); }
static void pi(long long v) { if (v < 0) { pc('-'); pu(-(unsigned long long)v); } else pu(v); }
static void pxn(u64 v, int digits) { for (int i = 4 * (digits - 1); i >= 0; i -= 4) pc("0123456789abcdef"[(v >> i) & 15]); }
static void px(u64 v) { pxn(v, 16); }
/* an 80-bit value as sign/exponent word and significand: "3fff:8000000000000000" */
static void pld(const void *p) {
  const unsigned char *b = p;
  u64 m = 0;
  for (int i = 7; i >= 0; i--) m = (m << 8) | b[i];
  pxn(b[8] | (b[9] << 8), 4); pc(':'); px(m);
}
static void pbytes(const void *p, int n) { const unsigned char *b = p; for (int i = 0; i < n; i++) pxn(b[i], 2); }
