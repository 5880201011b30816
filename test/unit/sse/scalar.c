/* Scalar float/double code as gcc compiles ordinary C (SSE2 scalar ops,
 * conversions, comparisons with NaN, fabs/negation/copysign, unsigned
 * conversions), no libc: the runtime is prepended by sse.test.ts. Results
 * are printed as bit patterns and as integers. */

static void pd(const char *name, double d) {
  union { double d; u64 u; } v = {d};
  ps(name); pc(' '); px(v.u); pc('\n');
}
static void pf(const char *name, float f) {
  union { float f; u32 u; } v = {f};
  ps(name); pc(' '); px(v.u); pc('\n');
}
static void pi(const char *name, long long i) {
  ps(name); pc(' ');
  if (i < 0) { pc('-'); pu(0 - (u64)i); } else pu((u64)i);
  pc('\n');
}

static volatile double vd[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, 3.5, 1e-310, -4.9e-324, 1e308, -1e308,
                               1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 9007199254740993.0, 4294967295.5, -2147483648.5,
                               9.2233720368547758e18, 1.8446744073709552e19, 123456.789, -0.001, 3.141592653589793,
                               2.718281828459045, 1.0 / 3.0, 6.02214076e23};
static volatile float vf[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 2.5f, -2.5f, 1e-40f, 3.4e38f, -3.4e38f, 1.0f / 0.0f,
                              0.0f / 0.0f, 16777217.0f, 4294967296.0f, -2147483648.0f, 0.1f, 3.14159f, 1e-5f};
static volatile long long vi[] = {0, 1, -1, 2147483647, -2147483647 - 1, 4294967295LL, 9007199254740993LL,
                                  -9007199254740993LL, 9223372036854775807LL, -9223372036854775807LL - 1,
                                  16777217, 123456789012345LL, -98765};

#define ND (sizeof vd / sizeof vd[0])
#define NF (sizeof vf / sizeof vf[0])
#define NI (sizeof vi / sizeof vi[0])

__attribute__((noinline)) static double horner(double x) {
  return ((((0.5 * x - 1.25) * x + 3.0) * x - 0.75) * x + 2.0) * x - 1.0;
}

__attribute__((noinline)) static double newton_sqrt(double v) {
  double x = v > 1 ? v / 2 : 1;
  for (int i = 0; i < 60; i++) x = 0.5 * (x + v / x);
  return x;
}

__attribute__((noinline)) static int mandel(double cr, double ci) {
  double zr = 0, zi = 0;
  int n = 0;
  while (n < 200 && zr * zr + zi * zi <= 4.0) {
    double t = zr * zr - zi * zi + cr;
    zi = 2 * zr * zi + ci;
    zr = t;
    n++;
  }
  return n;
}

__attribute__((noinline)) static float fsum(int n) {
  float s = 0;
  for (int i = 1; i <= n; i++) s += 1.0f / (float)i;
  return s;
}

static void matmul(void) {
  double a[8][8], b[8][8], c[8][8];
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 8; j++) { a[i][j] = (i + 1) * 0.3 - j * 0.7; b[i][j] = 1.0 / (i + j + 1); }
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 8; j++) {
      double s = 0;
      for (int k = 0; k < 8; k++) s += a[i][k] * b[k][j];
      c[i][j] = s;
    }
  for (int i = 0; i < 8; i++) pd("matmul", c[i][i] + c[i][7 - i]);
}

int cmain(void) {
  for (unsigned i = 0; i < ND; i++) {
    double a = vd[i], b = vd[(i + 3) % ND];
    pd("add", a + b); pd("sub", a - b); pd("mul", a * b); pd("div", a / b);
    pd("min", a < b ? a : b); pd("max", a > b ? a : b);
    pd("fabs", __builtin_fabs(a)); pd("neg", -a); pd("copysign", __builtin_copysign(b, a));
    pd("sqrt", __builtin_sqrt(a)); pd("horner", horner(a));
    pi("lt", a < b); pi("le", a <= b); pi("eq", a == b); pi("ne", a != b); pi("gt", a > b); pi("unord", a != a || b != b);
    if (a == a && a < 9.2e18 && a > -9.2e18) { pi("toll", (long long)a); }
    if (a == a && a < 2147483647.0 && a > -2147483648.0) { pi("toi", (int)a); }
    if (a == a && a >= 0 && a < 1.8e19) { pi("toull", (long long)(unsigned long long)a); }
    if (a == a && a >= 0 && a < 4294967295.0) { pi("tou", (unsigned)a); }
    pf("tof", (float)a);
    pd("fma-ish", a * 3.0 + b / 7.0);
  }
  for (unsigned i = 0; i < NF; i++) {
    float a = vf[i], b = vf[(i + 5) % NF];
    pf("fadd", a + b); pf("fsub", a - b); pf("fmul", a * b); pf("fdiv", a / b);
    pf("fmin", a < b ? a : b); pf("fabs", __builtin_fabsf(a)); pf("fneg", -a);
    pf("fsqrt", __builtin_sqrtf(a)); pd("tod", (double)a);
    pi("flt", a < b); pi("feq", a == b);
    if (a == a && a < 9.2e18f && a > -9.2e18f) pi("ftoll", (long long)a);
    if (a == a && a < 2147483520.0f && a > -2147483648.0f) pi("ftoi", (int)a);
    if (a == a && a >= 0 && a < 1.8e19f) pi("ftoull", (long long)(unsigned long long)a);
  }
  for (unsigned i = 0; i < NI; i++) {
    long long v = vi[i];
    pd("lltod", (double)v); pf("lltof", (float)v); pd("itod", (double)(int)v); pf("itof", (float)(int)v);
    pd("ulltod", (double)(unsigned long long)v); pf("ulltof", (float)(unsigned long long)v);
    pd("utod", (double)(unsigned)v); pf("utof", (float)(unsigned)v);
  }
  pd("newton2", newton_sqrt(2.0)); pd("newton1e10", newton_sqrt(1e10));
  pf("fsum", fsum(100000));
  double h = 0;
  for (int k = 1; k < 200000; k++) h += (k % 2 ? 4.0 : -4.0) / (2 * k - 1);
  pd("leibniz", h);
  int total = 0;
  for (int y = -20; y <= 20; y++)
    for (int x = -40; x <= 20; x++) total += mandel(x / 20.0, y / 20.0);
  pi("mandel", total);
  matmul();
  flush();
  return 0;
}
