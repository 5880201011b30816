/* x87 instruction-level test (no libc; prelude.h is prepended). Every test
 * is an inline-asm snippet, so the exact instruction bytes run both natively
 * and in the simulator. A snippet starts from fninit, the control word under
 * test, and a stack of ST0 = a, ST1 = b (or only ST0 = a for memory forms,
 * whose operand is the buffer m). Afterwards the record holds the status
 * word, the tag word (from fnstenv), RFLAGS, ST0, ST1 and the buffer m.
 * Output: one line per (test, a, b, control word):
 *   name i j cw status tag flags ST0 ST1 [memory bytes]
 * Built with -DTRANSCENDENTAL it runs only f2xm1 fyl2x fyl2xp1 fpatan fsin
 * fcos fsincos fptan (compared with a tolerance: see x87.test.ts). */

typedef struct { unsigned char b[16]; } X;
typedef void (*snippet)(const void *a, const void *b, void *m, const u16 *cw, unsigned char *r);

#define EPILOGUE \
  "pushfq\n\tpopq 8(%[r])\n\tfnstsw (%[r])\n\tfnstenv 64(%[r])\n\tfstpt 16(%[r])\n\tfstpt 32(%[r])\n\tfninit\n\t"
#define CLOBBERS "memory", "cc", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)"
#define ARGS [a] "r"(a), [b] "r"(b), [m] "r"(m), [cw] "r"(cw), [r] "r"(r)

/* ST0 = a, ST1 = b */
#define T2(fn, body) static void fn(const void *a, const void *b, void *m, const u16 *cw, unsigned char *r) { \
  asm volatile("fninit\n\tfldcw (%[cw])\n\tfldt (%[b])\n\tfldt (%[a])\n\t" body "\n\t" EPILOGUE :: ARGS : CLOBBERS); }
/* ST0 = a; m is the memory operand */
#define T1(fn, body) static void fn(const void *a, const void *b, void *m, const u16 *cw, unsigned char *r) { \
  asm volatile("fninit\n\tfldcw (%[cw])\n\tfldt (%[a])\n\t" body "\n\t" EPILOGUE :: ARGS : CLOBBERS); }
/* empty stack */
#define T0(fn, body) static void fn(const void *a, const void *b, void *m, const u16 *cw, unsigned char *r) { \
  asm volatile("fninit\n\tfldcw (%[cw])\n\t" body "\n\t" EPILOGUE :: ARGS : CLOBBERS); }

/* ---- two-operand register forms ---- */
T2(t_fadd, "fadd %%st(1), %%st")
T2(t_fadd_r, "fadd %%st, %%st(1)")
T2(t_fsub, "fsub %%st(1), %%st")
T2(t_fsubr, "fsubr %%st(1), %%st")
T2(t_fsub_r, "fsub %%st, %%st(1)")
T2(t_fsubr_r, "fsubr %%st, %%st(1)")
T2(t_fmul, "fmul %%st(1), %%st")
T2(t_fdiv, "fdiv %%st(1), %%st")
T2(t_fdivr, "fdivr %%st(1), %%st")
T2(t_fdiv_r, "fdiv %%st, %%st(1)")
T2(t_fdivr_r, "fdivr %%st, %%st(1)")
T2(t_faddp, "faddp")
T2(t_fsubp, "fsubp")
T2(t_fsubrp, "fsubrp")
T2(t_fmulp, "fmulp")
T2(t_fdivp, "fdivp")
T2(t_fdivrp, "fdivrp")
T2(t_fcom, "fcom %%st(1)")
T2(t_fcomp, "fcomp %%st(1)")
T2(t_fcompp, "fcompp")
T2(t_fucom, "fucom %%st(1)")
T2(t_fucomp, "fucomp %%st(1)")
T2(t_fucompp, "fucompp")
T2(t_fcomi, "fcomi %%st(1), %%st")
T2(t_fcomip, "fcomip %%st(1), %%st")
T2(t_fucomi, "fucomi %%st(1), %%st")
T2(t_fucomip, "fucomip %%st(1), %%st")
T2(t_fnstsw_sahf, "fucom %%st(1)\n\tfnstsw %%ax\n\tsahf\n\tmovw %%ax, 48(%[r])")
T2(t_fprem, "fprem")
T2(t_fprem1, "fprem1")
T2(t_fprem_loop, "1: fprem\n\tfnstsw %%ax\n\ttestb $4, %%ah\n\tjnz 1b")
T2(t_fprem1_loop, "1: fprem1\n\tfnstsw %%ax\n\ttestb $4, %%ah\n\tjnz 1b")
T2(t_fscale, "fscale")
T2(t_fxch, "fxch %%st(1)")
T2(t_fxch3, "fxch %%st(3)")
T2(t_fcmov, "fucomi %%st(1), %%st\n\tfcmovb %%st(1), %%st\n\tfxch\n\tfcmovnbe %%st(1), %%st\n\tfcmovu %%st(1), %%st")
T2(t_fcmov2, "fucomi %%st(1), %%st\n\tfcmove %%st(1), %%st\n\tfxch\n\tfcmovnu %%st(1), %%st\n\tfcmovbe %%st(1), %%st")
T2(t_fcmov3, "fcomi %%st(1), %%st\n\tfcmovne %%st(1), %%st\n\tfcmovnb %%st(1), %%st")
T2(t_fyl2x, "fyl2x")
T2(t_fyl2xp1, "fyl2xp1")
T2(t_fpatan, "fpatan")

/* ---- one-operand forms on ST0 (ST1 = b is there too) ---- */
T2(t_fsqrt, "fsqrt")
T2(t_frndint, "frndint")
T2(t_fxtract, "fxtract")
T2(t_fchs, "fchs")
T2(t_fabs, "fabs")
T2(t_ftst, "ftst")
T2(t_fxam, "fxam")
T2(t_fxam_empty, "fstp %%st(0)\n\tfstp %%st(0)\n\tfxam")
T2(t_fst_st, "fst %%st(1)")
T2(t_fstp_st, "fstp %%st(1)")
T2(t_fld_st, "fld %%st(1)")
T2(t_fld_st_empty, "fld %%st(3)")
T2(t_ffree, "ffree %%st(0)\n\tfincstp")
T2(t_fdecstp, "fdecstp\n\tfdecstp\n\tfincstp")
T2(t_ffreep, "ffreep %%st(0)")
T2(t_f2xm1, "f2xm1")
T2(t_fsin, "fsin")
T2(t_fcos, "fcos")
T2(t_fptan, "fptan")
T2(t_fsincos, "fsincos")
T2(t_empty_add, "fstp %%st(0)\n\tfadd %%st(1), %%st")
T2(t_overflow, "fld %%st\n\tfld %%st\n\tfld %%st\n\tfld %%st\n\tfld %%st\n\tfld %%st\n\tfld %%st\n\tfld1")

/* ---- stores to memory ---- */
T1(t_fsts, "fsts (%[m])")
T1(t_fstps, "fstps (%[m])")
T1(t_fstl, "fstl (%[m])")
T1(t_fstpl, "fstpl (%[m])")
T1(t_fstpt, "fstpt (%[m])")
T1(t_fists, "fists (%[m])")
T1(t_fistl, "fistl (%[m])")
T1(t_fistps, "fistps (%[m])")
T1(t_fistpll, "fistpll (%[m])")
T1(t_fisttps, "fisttps (%[m])")
T1(t_fisttpl, "fisttpl (%[m])")
T1(t_fisttpll, "fisttpll (%[m])")
T1(t_fbstp, "fbstp (%[m])")
T0(t_store_empty, "fstl (%[m])\n\tfistl 8(%[m])")

/* ---- loads and arithmetic with memory operands ---- */
T1(t_flds, "flds (%[m])")
T1(t_fldl, "fldl (%[m])")
T1(t_fldt, "fldt (%[m])")
T1(t_filds, "filds (%[m])")
T1(t_fildl, "fildl (%[m])")
T1(t_fildll, "fildll (%[m])")
T1(t_fbld, "fbld (%[m])")
T1(t_fadds, "fadds (%[m])")
T1(t_fsubs, "fsubs (%[m])")
T1(t_fsubrs, "fsubrs (%[m])")
T1(t_fmuls, "fmuls (%[m])")
T1(t_fdivs, "fdivs (%[m])")
T1(t_fdivrs, "fdivrs (%[m])")
T1(t_fcoms, "fcoms (%[m])")
T1(t_fcomps, "fcomps (%[m])")
T1(t_faddl, "faddl (%[m])")
T1(t_fsubl, "fsubl (%[m])")
T1(t_fsubrl, "fsubrl (%[m])")
T1(t_fmull, "fmull (%[m])")
T1(t_fdivl, "fdivl (%[m])")
T1(t_fdivrl, "fdivrl (%[m])")
T1(t_fcoml, "fcoml (%[m])")
T1(t_fiadds, "fiadds (%[m])")
T1(t_fisubs, "fisubs (%[m])")
T1(t_fimuls, "fimuls (%[m])")
T1(t_fidivrs, "fidivrs (%[m])")
T1(t_ficoms, "ficoms (%[m])")
T1(t_fiaddl, "fiaddl (%[m])")
T1(t_fisubrl, "fisubrl (%[m])")
T1(t_fimull, "fimull (%[m])")
T1(t_fidivl, "fidivl (%[m])")
T1(t_ficompl, "ficompl (%[m])")

/* ---- constants and control ---- */
T0(t_consts, "fld1\n\tfldz\n\tfldpi\n\tfstpt 80(%[m])\n\tfldl2e\n\tfstpt 96(%[m])\n\tfldl2t\n\tfstpt 112(%[m])\n\t"
   "fldlg2\n\tfstpt (%[m])\n\tfldln2\n\tfstpt 16(%[m])")
T0(t_cw, "fldcw (%[a])\n\tfnstcw (%[m])\n\tfstcw 2(%[m])\n\tfldcw (%[cw])")
T1(t_env, "fld1\n\tfldz\n\tfdiv %%st, %%st(1)\n\tfnstenv (%[m])\n\tfnstcw 32(%[m])\n\tfldenv (%[m])\n\tfnclex\n\tfnstsw 34(%[m])\n\t"
   "movl $0, 12(%[m])\n\tmovl $0, 16(%[m])\n\tmovl $0, 20(%[m])\n\tmovl $0, 24(%[m])")
T1(t_fsave, "fld1\n\tfnsave (%[m])\n\tfnstcw 120(%[m])\n\tfnstsw 122(%[m])\n\tfrstor (%[m])\n\t"
   "movl $0, 12(%[m])\n\tmovl $0, 16(%[m])\n\tmovl $0, 20(%[m])\n\tmovl $0, 24(%[m])")
T1(t_fxsave, "fld1\n\tfldpi\n\tfxsave (%[m])\n\tfstp %%st(0)\n\tfxrstor (%[m])\n\tmovl $0, 4(%[m])\n\tmovq $0, 8(%[m])\n\tmovq $0, 16(%[m])\n\tmovl $0, 28(%[m])")
T1(t_fwait, "fwait\n\tfnop\n\tfclex\n\tfinit\n\tfldcw (%[cw])\n\tfld1\n\tfstsw %%ax\n\tmovw %%ax, (%[m])")

/* ---- inputs ---- */
struct ld { u64 m; u16 se; };
static struct ld E[] = {
  {0, 0}, {0, 0x8000}, {0x8000000000000000ull, 0x3fff}, {0x8000000000000000ull, 0xbfff},
  {0xc000000000000000ull, 0x3fff}, {0xc000000000000000ull, 0x4000}, {0xcccccccccccccccdull, 0x3ffb},
  {0xffffffffffffffffull, 0x7ffe}, {0xffffffffffffffffull, 0xfffe}, {0x8000000000000000ull, 0x0001},
  {0x0000000000000001ull, 0x0000}, {0x7fffffffffffffffull, 0x8000}, {0x8000000000000001ull, 0x0000},
  {0x4000000000000000ull, 0x3fff}, {0x8000000000000000ull, 0x7fff}, {0x8000000000000000ull, 0xffff},
  {0xc000000000000001ull, 0x7fff}, {0xc000000000000000ull, 0xffff}, {0x8000000000000001ull, 0x7fff},
  {0xa000000000000000ull, 0xffff}, {0x4000000000000001ull, 0x7fff}, {0, 0x7fff}, {0xc000000000000123ull, 0xffff},
  {0x8000000000000000ull, 0x403e}, {0x8000000000000000ull, 0xc03e}, {0xfffffffffffffffeull, 0x403d},
  {0x8000000000000000ull, 0x401d}, {0xffff000000000000ull, 0x400d}, {0x8000800000000000ull, 0xc00e},
  {0x8000000000000000ull, 0x3ffe}, {0xa000000000000000ull, 0x4000}, {0xa000000000000000ull, 0xc000},
  {0xc000000000000000ull, 0x3ffd}, {0x8000000000000400ull, 0x3fff}, {0x8000000000000c00ull, 0x3fff},
  {0x8000000000000401ull, 0xbfff}, {0x8000008000000000ull, 0x3fff}, {0x8000018000000000ull, 0xbfff},
  {0xfffffffffffff800ull, 0x43fe}, {0xfffffffffffffc00ull, 0x43fe}, {0x8000000000000000ull, 0x3c00},
  {0x8000000000000000ull, 0x3bcd}, {0x8000000000000000ull, 0x3bcc}, {0xc000000000000000ull, 0xbbcc},
  {0x8000000000000000ull, 0x3f6a}, {0xc000000000000000ull, 0x3f80}, {0xffffffffffffffffull, 0x3ffe},
  {0xc90fdaa22168c235ull, 0x4000}, {0x8000000000000000ull, 0x4040}, {0x8000000000000001ull, 0x0001},
  {0x8000000000000000ull, 0x407e}, {0xffffffffffffffffull, 0x3fbf},
};
#define NE (sizeof E / sizeof E[0])
#define NRAND 16
static X EX[NE + NRAND];
static unsigned nex;

static u64 rs = 0x9e3779b97f4a7c15ull;
static u64 rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return rs; }

static void setld(X *x, u64 m, u16 se) { for (int i = 0; i < 8; i++) x->b[i] = (unsigned char)(m >> (8 * i)); x->b[8] = (unsigned char)se; x->b[9] = (unsigned char)(se >> 8); }

static const u32 F32[] = {
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff,
  0x7f800000, 0xff800000, 0x7fc00000, 0x7fc00123, 0xffa00456, 0x7f800001, 0x3eaaaaab, 0x5f000000, 0x4f000000,
  0x3f000000, 0x33800000, 0x3f800001, 0x4b800001, 0xc0490fdb,
};
static const u64 F64[] = {
  0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull, 0x0000000000000001ull, 0x800fffffffffffffull,
  0x0010000000000000ull, 0x7fefffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull,
  0x7ff8000000000123ull, 0xfff4000000000456ull, 0x7ff0000000000001ull, 0x3fd5555555555555ull, 0x43e0000000000000ull,
  0x3fb999999999999aull, 0x400921fb54442d18ull, 0x3ca0000000000000ull, 0x3ff0000000000001ull, 0x7e37e43c8800759cull,
  0x01a56e1fc2f8f359ull, 0xc3dfffffffffffffull,
};
static const u16 I16[] = { 0, 1, 0xffff, 0x7fff, 0x8000, 3, 0xfffd, 1000, 0xc000 };
static const u32 I32[] = { 0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 3, 0xfffffffd, 1000000000, 0x00ffffff, 0x01000001 };
static const u64 I64[] = { 0, 1, ~0ull, 0x7fffffffffffffffull, 0x8000000000000000ull, 3, 0x0020000000000001ull,
  0xffdfffffffffffffull, 1000000000000000000ull, 0x8000000000000001ull };
static const unsigned char BCD[][10] = {
  {0}, {1, 0, 0, 0, 0, 0, 0, 0, 0, 0x80}, {0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0},
  {0x45, 0x23, 0x01, 0, 0, 0, 0, 0, 0, 0x80}, {0x21, 0x43, 0x65, 0x87, 0x09, 0x21, 0x43, 0x65, 0x87, 0},
};

/* control words: PC 24/53/64 × RC nearest/down/up/zero, all exceptions masked */
static u16 CW[12];

enum { S_PAIRS, S_PAIRS_ALLCW, S_ONE, S_F32, S_F64, S_F80, S_I16, S_I32, S_I64, S_BCD, S_NONE };

struct test { const char *name; snippet f; int set; int allcw; };
#define R(n, s, c) {#n, t_##n, s, c}
static const struct test tests[] = {
#ifdef TRANSCENDENTAL
  R(f2xm1, S_ONE, 1), R(fsin, S_ONE, 1), R(fcos, S_ONE, 0), R(fptan, S_ONE, 1), R(fsincos, S_ONE, 0),
  R(fyl2x, S_PAIRS, 0), R(fyl2xp1, S_PAIRS, 0), R(fpatan, S_PAIRS, 0),
#else
  R(fadd, S_PAIRS_ALLCW, 1), R(fsub, S_PAIRS_ALLCW, 1), R(fmul, S_PAIRS_ALLCW, 1), R(fdiv, S_PAIRS_ALLCW, 1),
  R(fadd_r, S_PAIRS, 0), R(fsubr, S_PAIRS, 0), R(fsub_r, S_PAIRS, 0), R(fsubr_r, S_PAIRS, 0), R(fdivr, S_PAIRS, 0),
  R(fdiv_r, S_PAIRS, 0), R(fdivr_r, S_PAIRS, 0), R(faddp, S_PAIRS, 0), R(fsubp, S_PAIRS, 0), R(fsubrp, S_PAIRS, 0),
  R(fmulp, S_PAIRS, 0), R(fdivp, S_PAIRS, 0), R(fdivrp, S_PAIRS, 0),
  R(fcom, S_PAIRS, 0), R(fcomp, S_PAIRS, 0), R(fcompp, S_PAIRS, 0), R(fucom, S_PAIRS, 0), R(fucomp, S_PAIRS, 0),
  R(fucompp, S_PAIRS, 0), R(fcomi, S_PAIRS, 0), R(fcomip, S_PAIRS, 0), R(fucomi, S_PAIRS, 0), R(fucomip, S_PAIRS, 0),
  R(fnstsw_sahf, S_PAIRS, 0), R(fprem, S_PAIRS, 0), R(fprem1, S_PAIRS, 0), R(fprem_loop, S_PAIRS, 0),
  R(fprem1_loop, S_PAIRS, 0), R(fscale, S_PAIRS, 0), R(fxch, S_PAIRS, 0), R(fxch3, S_ONE, 0), R(fcmov, S_PAIRS, 0),
  R(fcmov2, S_PAIRS, 0), R(fcmov3, S_PAIRS, 0),
  R(fsqrt, S_ONE, 1), R(frndint, S_ONE, 1), R(fxtract, S_ONE, 0), R(fchs, S_ONE, 0), R(fabs, S_ONE, 0),
  R(ftst, S_ONE, 0), R(fxam, S_ONE, 0), R(fxam_empty, S_ONE, 0), R(fst_st, S_ONE, 0), R(fstp_st, S_ONE, 0),
  R(fld_st, S_ONE, 0), R(fld_st_empty, S_ONE, 0), R(ffree, S_ONE, 0), R(fdecstp, S_ONE, 0), R(ffreep, S_ONE, 0),
  R(empty_add, S_ONE, 0), R(overflow, S_ONE, 0),
  R(fsts, S_ONE, 1), R(fstps, S_ONE, 1), R(fstl, S_ONE, 1), R(fstpl, S_ONE, 1), R(fstpt, S_ONE, 0),
  R(fists, S_ONE, 1), R(fistl, S_ONE, 1), R(fistps, S_ONE, 0), R(fistpll, S_ONE, 1), R(fisttps, S_ONE, 0),
  R(fisttpl, S_ONE, 0), R(fisttpll, S_ONE, 1), R(fbstp, S_ONE, 1), R(store_empty, S_NONE, 0),
  R(flds, S_F32, 0), R(fldl, S_F64, 0), R(fldt, S_F80, 0), R(filds, S_I16, 0), R(fildl, S_I32, 0),
  R(fildll, S_I64, 0), R(fbld, S_BCD, 0),
  R(fadds, S_F32, 1), R(fsubs, S_F32, 0), R(fsubrs, S_F32, 0), R(fmuls, S_F32, 1), R(fdivs, S_F32, 1),
  R(fdivrs, S_F32, 0), R(fcoms, S_F32, 0), R(fcomps, S_F32, 0),
  R(faddl, S_F64, 1), R(fsubl, S_F64, 0), R(fsubrl, S_F64, 0), R(fmull, S_F64, 1), R(fdivl, S_F64, 1),
  R(fdivrl, S_F64, 0), R(fcoml, S_F64, 0),
  R(fiadds, S_I16, 0), R(fisubs, S_I16, 0), R(fimuls, S_I16, 0), R(fidivrs, S_I16, 0), R(ficoms, S_I16, 0),
  R(fiaddl, S_I32, 1), R(fisubrl, S_I32, 0), R(fimull, S_I32, 0), R(fidivl, S_I32, 1), R(ficompl, S_I32, 0),
  R(consts, S_NONE, 1), R(env, S_NONE, 0), R(fsave, S_NONE, 0), R(fxsave, S_NONE, 0), R(fwait, S_NONE, 1),
#endif
};

/* "Arithmetic" subset used with every control word: finite values and a few specials */
static unsigned char ARITH[NE + NRAND];

static unsigned char rec[160] __attribute__((aligned(16)));
static unsigned char mbuf[640] __attribute__((aligned(64)));

static void run(const struct test *t, unsigned i, unsigned j, const void *a, const void *b, const void *mem, int mlen, unsigned c) {
  for (unsigned k = 0; k < sizeof rec; k++) rec[k] = 0;
  for (unsigned k = 0; k < sizeof mbuf; k++) mbuf[k] = 0xa5;
  const unsigned char *src = mem;
  for (int k = 0; k < mlen; k++) mbuf[k] = src[k];
  t->f(a, b, mbuf, &CW[c], rec);
  ps(t->name); pc(' '); pu(i); pc(' '); pu(j); pc(' '); pu(c); pc(' ');
  pxn(rec[0] | (rec[1] << 8), 4); pc(' ');              /* status word */
  pxn(rec[72] | (rec[73] << 8), 4); pc(' ');            /* tag word */
  pxn(rec[8] & 0xd5, 2); pxn(rec[9] & 0x08, 1); pc(' '); /* CF PF AF ZF SF, OF */
  pld(rec + 16); pc(' '); pld(rec + 32);
  if (t->set != S_PAIRS && t->set != S_PAIRS_ALLCW) {
    pc(' ');
    int n = t->set == S_NONE ? (t->f == t_fsave ? 124 : t->f == t_fxsave ? 160 : t->f == t_consts ? 128 : 36) : 16;
    pbytes(mbuf, n);
  }
  if (t->f == t_fnstsw_sahf) { pc(' '); pxn(rec[48] | (rec[49] << 8), 4); }
  pc('\n');
}

int cmain(void) {
  for (unsigned k = 0; k < NE; k++) setld(&EX[k], E[k].m, E[k].se);
  nex = NE;
  for (unsigned k = 0; k < NRAND; k++) {
    u64 m = rnd() | 0x8000000000000000ull;
    u64 e = rnd();
    u16 se = k < 10 ? (u16)(0x3fff - 20 + (e % 41)) : (u16)(e % 0x7fff);
    if (rnd() & 1) se |= 0x8000;
    if (k == 12) m &= ~0xfffull; /* a few short significands: exact results */
    if (k == 13) m &= ~0xffffffffffull;
    setld(&EX[nex++], m, se);
  }
  unsigned narith = 0;
  for (unsigned k = 0; k < nex; k++) {
    u16 se = EX[k].b[8] | (EX[k].b[9] << 8);
    int e = se & 0x7fff;
    int j = EX[k].b[7] >> 7;
    if (e != 0x7fff && (j || e == 0) && !(k % 3 == 1 && k < NE)) ARITH[narith++] = (unsigned char)k;
  }
  for (unsigned pc_ = 0, n = 0; pc_ < 3; pc_++)
    for (unsigned rc = 0; rc < 4; rc++) CW[n++] = (u16)(0x7f | ((pc_ == 0 ? 0 : pc_ == 1 ? 2 : 3) << 8) | (rc << 10));
  /* CW[8] is the default 0x37f */
  static X tmp;
  for (unsigned ti = 0; ti < sizeof tests / sizeof tests[0]; ti++) {
    const struct test *t = &tests[ti];
    for (unsigned c = 0; c < 12; c++) {
      if (!t->allcw && c != 8) continue;
      switch (t->set) {
        case S_PAIRS:
          for (unsigned i = 0; i < nex; i++) for (unsigned j = 0; j < nex; j++) run(t, i, j, &EX[i], &EX[j], 0, 0, c);
          break;
        case S_PAIRS_ALLCW:
          if (c == 8) { for (unsigned i = 0; i < nex; i++) for (unsigned j = 0; j < nex; j++) run(t, i, j, &EX[i], &EX[j], 0, 0, c); }
          else for (unsigned i = 0; i < narith; i++) for (unsigned j = 0; j < narith; j++) run(t, ARITH[i], ARITH[j], &EX[ARITH[i]], &EX[ARITH[j]], 0, 0, c);
          break;
        case S_ONE:
          for (unsigned i = 0; i < nex; i++) run(t, i, 0, &EX[i], &EX[(i + 1) % nex], 0, 0, c);
          break;
        case S_NONE:
          setld(&tmp, 0x8000000000000000ull, 0x3fff);
          if (t->f == t_cw) {
            static const u16 cws[] = { 0, 0xffff, 0x1234, 0x0f7f, 0x037f };
            for (unsigned i = 0; i < 5; i++) run(t, i, 0, &cws[i], &tmp, 0, 0, c);
          } else run(t, 0, 0, &tmp, &tmp, 0, 0, c);
          break;
        default: {
          const void *list; unsigned n, size;
          switch (t->set) {
            case S_F32: list = F32; n = sizeof F32 / sizeof F32[0]; size = 4; break;
            case S_F64: list = F64; n = sizeof F64 / sizeof F64[0]; size = 8; break;
            case S_F80: list = EX; n = nex; size = 16; break;
            case S_I16: list = I16; n = sizeof I16 / sizeof I16[0]; size = 2; break;
            case S_I32: list = I32; n = sizeof I32 / sizeof I32[0]; size = 4; break;
            case S_I64: list = I64; n = sizeof I64 / sizeof I64[0]; size = 8; break;
            default: list = BCD; n = sizeof BCD / sizeof BCD[0]; size = 10; break;
          }
          /* a: a handful of register values */
          static const unsigned char as[] = { 2, 6, 10, 16, 23, 30, 33, 40, 56, 60 };
          unsigned na = (t->allcw && c != 8) ? 4 : sizeof as;
          for (unsigned i = 0; i < na; i++)
            for (unsigned j = 0; j < n; j++)
              run(t, as[i], j, &EX[as[i]], &EX[0], (const unsigned char *)list + j * size, (int)size, c);
        }
      }
    }
  }
  flush();
  return 0;
}
