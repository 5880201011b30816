// libgcc helpers gcc calls from kernel-flag code (test/unit/kernel-api.test.ts).
// The same source builds as a host program: the test compares the module's
// log with the host's output line for line. Build the module with -ftrapv and
// `only_trapv=1` to use the __addvdi3 family (gcc's -ftrapv code also traps in
// __builtin_mul_overflow on __int128, natively too); `trap=1` then overflows
// on purpose.
#ifdef __KERNEL__
#include <linux/module.h>
#include <linux/kernel.h>
MODULE_LICENSE("GPL");
#define OUT(...) pr_info(__VA_ARGS__)
static int trap, only_trapv;
module_param(trap, int, 0444);
module_param(only_trapv, int, 0444);
#else
#include <stdio.h>
#define OUT(...) printf(__VA_ARGS__)
static int trap, only_trapv;
#define __init
#endif

typedef unsigned long long u64_t;
typedef long long s64_t;

static volatile u64_t v64[] = { 0, 1, 0xf0f0f0f0f0f0f0f0ULL, 0x8000000000000000ULL, 0x7fffffffffffffffULL,
	0xffffffffffffffffULL, 12345678901234567ULL };
static volatile __int128 v128[] = { 1, -1, (__int128)1 << 100, -((__int128)3 << 90) + 12345,
	(__int128)0x123456789abcdefULL * 0xfedcba987654321ULL, 1000000007 };

#define H(x) (u64_t)((unsigned __int128)(x) >> 64), (u64_t)(x)

static int __init libgcc_init(void)
{
	unsigned int i, j;
	volatile s64_t a = 0x123456789LL, b = -0x55555LL;

	for (i = 0; i < sizeof(v64) / sizeof(v64[0]) && !only_trapv; i++)
		OUT("64 %u: pop=%d par=%d clrsb=%d\n", i, __builtin_popcountll(v64[i]), __builtin_parityll(v64[i]),
		    __builtin_clrsbll((s64_t)v64[i]));
	for (i = 0; i < sizeof(v128) / sizeof(v128[0]) && !only_trapv; i++) {
		unsigned __int128 u = (unsigned __int128)v128[i];
		OUT("128 %u: pop=%d par=%d clrsb=%d\n", i, __builtin_popcountll((u64_t)u) + __builtin_popcountll((u64_t)(u >> 64)),
		    __builtin_parityll((u64_t)u ^ (u64_t)(u >> 64)), __builtin_clrsbll((s64_t)(u >> 64)));
		for (j = 0; j < sizeof(v128) / sizeof(v128[0]); j++) {
			__int128 x = v128[i], y = v128[j], p;
			unsigned __int128 ux = x, uy = y;
			int ovf = __builtin_mul_overflow(x, y, &p);
			OUT("%u/%u: div=%llx:%llx mod=%llx:%llx udiv=%llx:%llx umod=%llx:%llx mul=%d:%llx:%llx\n", i, j,
			    H(x / y), H(x % y), H(ux / uy), H(ux % uy), ovf, H(p));
		}
	}
	OUT("trapv %lld %lld %lld %lld\n", a + b, a - b, a * b, -a);
	if (trap) {
		volatile s64_t big = 0x7fffffffffffffffLL;
		OUT("overflow %lld\n", big + a);
	}
	return 0;
}

#ifdef __KERNEL__
module_init(libgcc_init);
#else
int main(void) { return libgcc_init(); }
#endif
