/* Function pointers (tables, callbacks, returned pointers) and a switch
 * dense enough for gcc to emit a jump table; a tiny bytecode interpreter. */
#include <stdio.h>
#include <stdint.h>
#include <limits.h>

typedef int64_t (*binop)(int64_t, int64_t);
static int64_t op_add(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static int64_t op_sub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static int64_t op_mul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static int64_t op_div(int64_t a, int64_t b) { return b && !(b == -1 && a == INT64_MIN) ? a / b : 0; }
static int64_t op_mod(int64_t a, int64_t b) { return b && b != -1 ? a % b : 0; }
static int64_t op_and(int64_t a, int64_t b) { return a & b; }
static int64_t op_or(int64_t a, int64_t b) { return a | b; }
static int64_t op_xor(int64_t a, int64_t b) { return a ^ b; }
static int64_t op_shl(int64_t a, int64_t b) { return (int64_t)((uint64_t)a << (b & 63)); }
static int64_t op_sar(int64_t a, int64_t b) { return a >> (b & 63); }
static int64_t op_min(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t op_max(int64_t a, int64_t b) { return a > b ? a : b; }

static const binop table[] = {op_add, op_sub, op_mul, op_div, op_mod, op_and,
                              op_or, op_xor, op_shl, op_sar, op_min, op_max};
static const char *names[] = {"add", "sub", "mul", "div", "mod", "and", "or", "xor", "shl", "sar", "min", "max"};

/* a big dense switch: jump table at -O2 (and at -O0) */
/* wrap-around arithmetic without signed-overflow UB */
#define W(e) ((int64_t)(e))
__attribute__((noinline)) static int64_t classify(int v, int64_t xs) {
    uint64_t x = (uint64_t)xs;
    switch (v) {
    case 0: return x + 1;
    case 1: return W(x * 3);
    case 2: return x - 7;
    case 3: return x ^ 0x55;
    case 4: return W(x << 2);
    case 5: return xs >> 1;
    case 6: return W(0 - x);
    case 7: return ~x;
    case 8: return W(x * x);
    case 9: return xs / 3;
    case 10: return xs % 11;
    case 11: return x + 1000;
    case 12: return x & 0xff;
    case 13: return x | 0x100;
    case 14: return W(x * 17 + 5);
    case 15: return x - 100;
    case 16: return 42;
    case 17: return xs / 2 + xs / 4;
    case 18: return W(x * 9);
    case 19: return xs ^ (xs >> 3);
    case 21: return x + x;
    case 22: return x - 1;
    case 23: return W(x * 7) >> 2;
    case 25: return xs % 7 + 2;
    case 26: return x + 26;
    case 27: return x ^ 27;
    case 28: return W(x * 28);
    case 29: return W(x * 29 + 1);
    default: return x;
    }
}

/* a switch on characters, as in a lexer */
static int char_class(int c) {
    switch (c) {
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': return 1;
    case '+': case '-': case '*': case '/': case '%': return 2;
    case '(': case ')': return 3;
    case ' ': case '\t': case '\n': return 4;
    case 'a': case 'e': case 'i': case 'o': case 'u': return 5;
    default: return 0;
    }
}

/* bytecode interpreter with computed dispatch through a switch */
enum { PUSH, ADD, SUB, MUL, DUP, SWAP, JNZ, DEC, POP, HALT, OVER, ROT };
static int64_t run(const int *code) {
    int64_t stack[64];
    int sp = 0, pc = 0;
    for (;;) {
        switch (code[pc++]) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case SWAP: { int64_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
        case OVER: stack[sp] = stack[sp - 2]; sp++; break;
        case ROT: { int64_t t = stack[sp - 3]; stack[sp - 3] = stack[sp - 2]; stack[sp - 2] = stack[sp - 1]; stack[sp - 1] = t; break; }
        case JNZ: { int target = code[pc++]; if (stack[--sp]) pc = target; break; }
        case DEC: stack[sp - 1]--; break;
        case POP: sp--; break;
        case HALT: return stack[sp - 1];
        default: return -1;
        }
    }
}

typedef int (*pred)(int);
static int is_even(int x) { return x % 2 == 0; }
static int is_prime(int x) {
    if (x < 2) return 0;
    for (int d = 2; d * d <= x; d++) if (x % d == 0) return 0;
    return 1;
}
static int is_square(int x) { int r = 0; while (r * r < x) r++; return r * r == x; }
static pred choose(int k) { return k == 0 ? is_even : k == 1 ? is_prime : is_square; }
static int count_if(int lo, int hi, pred p) { int n = 0; for (int i = lo; i < hi; i++) n += p(i); return n; }

struct shape { const struct shape_ops *ops; int64_t a, b; };
struct shape_ops { const char *name; int64_t (*area)(const struct shape *); int64_t (*perim)(const struct shape *); };
static int64_t rect_area(const struct shape *s) { return s->a * s->b; }
static int64_t rect_perim(const struct shape *s) { return 2 * (s->a + s->b); }
static int64_t tri_area(const struct shape *s) { return s->a * s->b / 2; }
static int64_t tri_perim(const struct shape *s) { return s->a + s->b + (s->a > s->b ? s->a : s->b); }
static const struct shape_ops rect_ops = {"rect", rect_area, rect_perim};
static const struct shape_ops tri_ops = {"tri", tri_area, tri_perim};

int main(void) {
    volatile int64_t x = 1234567, y = -89;
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        printf("%s(%lld, %lld) = %lld\n", names[i], (long long)x, (long long)y, (long long)table[i](x, y));

    int64_t acc = 1;
    uint64_t h = 0;
    for (int i = 0; i < 100000; i++) {
        acc = classify(i % 32, acc);
        acc = table[(uint64_t)acc % 12](acc, i + 1) + (i & 0xff);
        if (acc > 1000000000 || acc < -1000000000) acc %= 1000003;
        h = h * 31 + (uint64_t)acc;
    }
    printf("classify chain=%lld hash=%016llx\n", (long long)acc, (unsigned long long)h);
    for (int v = -2; v < 34; v++) printf("%lld%c", (long long)classify(v, 1000 + v), v == 33 ? '\n' : ' ');

    const char *expr = "(12 + 34) * 5 - 6 / 2 % alpha\tOK\n";
    int hist[6] = {0};
    for (const char *c = expr; *c; c++) hist[char_class((unsigned char)*c)]++;
    printf("char classes: %d %d %d %d %d %d\n", hist[0], hist[1], hist[2], hist[3], hist[4], hist[5]);

    /* factorial of 20 and sum 1..1000 by bytecode */
    static const int fact[] = {PUSH, 1, PUSH, 20, /*loop:*/ DUP, ROT, MUL, SWAP, DEC, DUP, JNZ, 4, POP, HALT};
    static const int sum[] = {PUSH, 0, PUSH, 1000, /*loop:*/ DUP, ROT, ADD, SWAP, DEC, DUP, JNZ, 4, POP, HALT};
    printf("bytecode fact20=%lld sum1000=%lld\n", (long long)run(fact), (long long)run(sum));

    for (int k = 0; k < 3; k++) printf("count_if[%d]=%d\n", k, count_if(0, 5000, choose(k)));

    struct shape shapes[] = {{&rect_ops, 3, 4}, {&tri_ops, 6, 10}, {&rect_ops, 100, 1}, {&tri_ops, 7, 7}};
    for (unsigned i = 0; i < 4; i++)
        printf("%s area=%lld perim=%lld\n", shapes[i].ops->name, (long long)shapes[i].ops->area(&shapes[i]),
               (long long)shapes[i].ops->perim(&shapes[i]));
    return 0;
}
