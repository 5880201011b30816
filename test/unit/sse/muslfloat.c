/* musl program doing float work (musl's math library runs on SSE2 on
 * x86-64; sqrt and lrint are sqrtsd/cvtsd2si there), printing the results
 * with integer formats only: musl's own %f/%g formatting uses long double
 * (x87), which the simulator does not implement. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <stdlib.h>

static uint64_t bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    volatile double in[] = {0.0, -0.0, 0.5, 1.0, 2.0, 3.75, -7.25, 10.0, 1e-300, 1e300, 123.456, -0.001, 1.0 / 3.0};
    unsigned n = sizeof in / sizeof in[0];
    for (unsigned i = 0; i < n; i++) {
        double x = in[i];
        printf("%2u sqrt=%016llx exp=%016llx log=%016llx sin=%016llx cos=%016llx\n", i,
               (unsigned long long)bits(sqrt(fabs(x))), (unsigned long long)bits(exp(x / 100)),
               (unsigned long long)bits(log(fabs(x) + 1)), (unsigned long long)bits(sin(x)),
               (unsigned long long)bits(cos(x)));
        printf("   pow=%016llx atan2=%016llx floor=%016llx ceil=%016llx round=%016llx fmod=%016llx\n",
               (unsigned long long)bits(pow(fabs(x), 0.75)), (unsigned long long)bits(atan2(x, 2.0)),
               (unsigned long long)bits(floor(x)), (unsigned long long)bits(ceil(x)),
               (unsigned long long)bits(round(x)), (unsigned long long)bits(fmod(x, 0.7)));
        printf("   lrint=%ld llround=%lld trunc=%lld hypot=%016llx cbrt=%016llx\n", lrint(x * 1000) % 100000,
               llround(x) % 100000, (long long)trunc(x) % 100000, (unsigned long long)bits(hypot(x, 3.0)),
               (unsigned long long)bits(cbrt(x)));
        float f = (float)x;
        printf("   f=%08x sqrtf=%08x expf=%08x sinf=%08x logf=%08x\n", fbits(f), fbits(sqrtf(fabsf(f))),
               fbits(expf(f / 100)), fbits(sinf(f)), fbits(logf(fabsf(f) + 1)));
    }
    double arr[64];
    for (int i = 0; i < 64; i++) arr[i] = sin(i * 1.7) * 1000;
    qsort(arr, 64, sizeof arr[0], cmp);
    uint64_t h = 0;
    for (int i = 0; i < 64; i++) h = h * 31 + bits(arr[i]);
    printf("sorted hash %016llx min %lld max %lld\n", (unsigned long long)h, (long long)arr[0], (long long)arr[63]);
    double s = 0;
    for (int i = 1; i <= 100000; i++) s += 1.0 / ((double)i * i);
    printf("basel %016llx %lld\n", (unsigned long long)bits(s), (long long)(s * 1e15));
    printf("atoi-ish %d %ld\n", atoi("12345"), strtol("-987654321", 0, 10));
    return 0;
}
