/* musl's printf/scanf/strtod family on doubles, floats and long doubles.
 * musl formats and parses floating point with long double (x87) code, so
 * every line here exercises fmt_fp/decfloat/hexfloat on the x87. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <math.h>
#include <float.h>
#include <fenv.h>

static uint64_t rs = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return rs; }

static double dbits(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static uint64_t bitsd(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

static const uint64_t EDGE[] = {
  0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull, 0x3fe0000000000000ull,
  0x3fb999999999999aull, 0x0000000000000001ull, 0x000fffffffffffffull, 0x0010000000000000ull,
  0x7fefffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull,
  0xfff8000000000001ull, 0x43e0000000000000ull, 0x4340000000000000ull, 0x4330000000000001ull,
  0x400921fb54442d18ull, 0x3fd5555555555555ull, 0x4415af1d78b58c40ull, 0x44b52d02c7e14af6ull,
  0x3e7ad7f29abcaf48ull, 0x3ff0000000000001ull, 0x3fefffffffffffffull, 0x4024000000000000ull,
  0x40c3880000000000ull, 0x3f50624dd2f1a9fcull, 0x7e37e43c8800759cull, 0x01a56e1fc2f8f359ull,
  0x3ff8000000000000ull, 0x4004000000000000ull, 0x3fe8000000000000ull, 0x3f847ae147ae147bull,
};

static const char *const FMTS[] = { "%f", "%.17g", "%e", "%a", "%g", "%.0f", "%.3f", "%.20e", "%.1e", "%#.0e",
  "%+.10g", "%15.5f", "%-12.3g|", "%.0g", "%#g", "%A", "%.40f" };

static void line(double v) {
  for (unsigned k = 0; k < sizeof FMTS / sizeof FMTS[0]; k++) {
    printf(FMTS[k], v);
    putchar(' ');
  }
  putchar('\n');
}

int main(void) {
  unsigned n = 0;
  for (unsigned i = 0; i < sizeof EDGE / sizeof EDGE[0]; i++, n++) line(dbits(EDGE[i]));
  for (unsigned i = 0; i < 150; i++, n++) {
    uint64_t b = rnd();
    if (i % 3 == 0) b = (b & 0x800fffffffffffffull) | ((uint64_t)(0x3ff - 30 + rnd() % 61) << 52);
    double v = dbits(b);
    line(v);
  }
  /* %f of huge values prints every digit */
  printf("%f\n%f\n%.0f\n", 1e300, DBL_MAX, -DBL_MAX);
  printf("%.1074f\n", dbits(1));
  printf("%.70e\n", 1.0 / 3);
  printf("%.2f %.2f %.2f %.2f %.1f %.1f\n", 0.125, 0.375, 2.675, 1.005, 0.25, 0.35);
  /* floats are promoted to double */
  for (unsigned i = 0; i < 40; i++) {
    float f;
    uint32_t fb = (uint32_t)rnd();
    memcpy(&f, &fb, 4);
    printf("%g %.9g %a %e\n", f, f, f, f);
  }
  /* long double */
  long double lds[] = { 1.0L / 3, 2.0L / 3, 0.1L, 1e4000L, 1e-4000L, LDBL_MAX, LDBL_MIN, LDBL_TRUE_MIN, 1.0L + LDBL_EPSILON,
    3.14159265358979323846264338327950288L, -0.0L, 12345678901234567890.0L, 0.5L };
  for (unsigned i = 0; i < sizeof lds / sizeof lds[0]; i++)
    printf("%Lf %.21Lg %Le %La %.30Lf %Lg\n", lds[i], lds[i], lds[i], lds[i], lds[i], lds[i]);
  /* strtod / strtof / strtold round trips and tricky inputs */
  char buf[128];
  unsigned bad = 0;
  for (unsigned i = 0; i < 400; i++) {
    double v = dbits(rnd());
    if (v != v) continue;
    snprintf(buf, sizeof buf, "%.17g", v);
    double w = strtod(buf, 0);
    if (bitsd(w) != bitsd(v)) { bad++; printf("round trip %s -> %016llx\n", buf, (unsigned long long)bitsd(w)); }
    snprintf(buf, sizeof buf, "%a", v);
    if (bitsd(strtod(buf, 0)) != bitsd(v)) bad++;
  }
  printf("round trip failures: %u\n", bad);
  static const char *const INPUTS[] = { "0", "-0", "1e-400", "2.4703282292062327e-324", "2.4703282292062328e-324",
    "1.7976931348623157e308", "1.7976931348623158e308", "1.797693134862315807e308", "0x1.fffffffffffffp1023",
    "0x1p-1074", "0x1.8p-1075", "inf", "-Infinity", "nan", "nan(123)", "123456789012345678901234567890",
    "9007199254740993", "9007199254740993.0000000000000000001", "0.1", "1e23", "8.98846567431158e307",
    "2.2250738585072011e-308", "2.2250738585072012e-308", "4.9406564584124654e-324", "3.14159265358979323846",
    "  +12.5e+3xyz", "1e", ".5", "5.", "0x.8p1", "1e-5000", "1e5000", "4e-320" };
  for (unsigned i = 0; i < sizeof INPUTS / sizeof INPUTS[0]; i++) {
    char *end;
    double d = strtod(INPUTS[i], &end);
    float f = strtof(INPUTS[i], 0);
    long double ld = strtold(INPUTS[i], 0);
    uint32_t fb; memcpy(&fb, &f, 4);
    unsigned char lb[10]; memcpy(lb, &ld, 10);
    printf("%s: %016llx %08x ", INPUTS[i], (unsigned long long)bitsd(d), fb);
    for (int k = 9; k >= 0; k--) printf("%02x", lb[k]);
    printf(" end+%d\n", (int)(end - INPUTS[i]));
  }
  /* scanf */
  double sd; float sf; long double sl;
  int got = sscanf("3.25 -1e-3 0.1e-4930", "%lf %f %Lf", &sd, &sf, &sl);
  printf("sscanf %d %.17g %.9g %Lg\n", got, sd, sf, sl);
  /* long double library helpers printf/strtod lean on, and friends */
  long double x = 1234.5678L;
  int e;
  long double m = frexpl(x, &e);
  printf("frexpl %La %d ldexpl %La scalbnl %La fmodl %La %La\n", m, e, ldexpl(m, e), scalbnl(x, -3), fmodl(x, 7.25L), fmodl(-1e30L, 3.0L));
  printf("remainderl %La sqrtl %La fabsl %La rintl %La nearbyintl %La\n", remainderl(x, 7.25L), sqrtl(2.0L), fabsl(-x), rintl(2.5L), nearbyintl(-3.5L));
  printf("floorl %La ceill %La truncl %La roundl %La lrintl %ld llrintl %lld\n", floorl(-2.5L), ceill(-2.5L), truncl(-2.5L), roundl(2.5L), lrintl(2.5L), llrintl(-3.5L));
  printf("fmod %a remquo? %a fmaxl %La copysignl %La\n", fmod(1e300, 3.0), remainder(10.0, 3.0), fmaxl(1, 2), copysignl(2, -0.0L));
  fesetround(FE_UPWARD);
  printf("upward %.20Lf %a %.3f\n", 1.0L / 3, 1.0 / 3, 2.0 / 3);
  fesetround(FE_DOWNWARD);
  printf("downward %.20Lf %a %.3f rintl %La\n", 1.0L / 3, 1.0 / 3, 2.0 / 3, rintl(2.5L));
  fesetround(FE_TOWARDZERO);
  printf("towardzero %.20Lf rintl %La\n", -1.0L / 3, rintl(-2.5L));
  fesetround(FE_TONEAREST);
  feclearexcept(FE_ALL_EXCEPT);
  volatile long double z = 0, one = 1;
  volatile long double q = one / z;
  printf("except %d %d %Lg\n", fetestexcept(FE_DIVBYZERO) != 0, fetestexcept(FE_INEXACT) != 0, q);
  printf("lines %u\n", n);
  return 0;
}
