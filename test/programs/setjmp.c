/* setjmp/longjmp: simple, nested buffers, unwinding deep recursion,
 * volatile locals surviving the jump, and an exception-like try/catch. */
#include <stdio.h>
#include <setjmp.h>
#include <string.h>

static jmp_buf top, inner;
static int depth_reached;

static void dive(int depth, int limit) {
    char pad[64];
    memset(pad, depth & 0xff, sizeof pad);
    depth_reached = depth;
    if (depth == limit) longjmp(top, depth * 10 + pad[5] % 7);
    if (depth > limit) return; /* unreachable; keeps -Winfinite-recursion quiet */
    dive(depth + 1, limit);
    printf("never printed %d\n", pad[0]);
}

/* try/catch emulation with a stack of jmp_bufs */
static jmp_buf *handlers[16];
static int nhandlers;
static const char *err_msg;
static void throw_(const char *msg, int code) {
    err_msg = msg;
    longjmp(*handlers[--nhandlers], code);
}
static int checked_div(int a, int b) {
    if (b == 0) throw_("division by zero", 1);
    if (a < 0) throw_("negative dividend", 2);
    return a / b;
}
static int try_div(int a, int b) {
    jmp_buf h;
    int code = setjmp(h);
    if (code == 0) {
        handlers[nhandlers++] = &h;
        int r = checked_div(a, b);
        nhandlers--;
        return r;
    }
    printf("caught code=%d msg=%s\n", code, err_msg);
    return -code;
}

static int nested(void) {
    volatile int steps = 0;
    int r = setjmp(inner);
    steps++;
    if (r < 3) longjmp(inner, r + 1);
    return steps * 100 + r;
}

int main(void) {
    volatile int count = 0;
    int r = setjmp(top);
    count++;
    printf("setjmp returned %d (count %d)\n", r, count);
    if (r == 0) dive(0, 50);
    else if (r < 100000) {
        printf("unwound from depth %d\n", depth_reached);
        if (count < 4) dive(0, 100 * count);
    }
    printf("after dives count=%d\n", count);

    /* longjmp(buf, 0) must make setjmp return 1 */
    jmp_buf z;
    volatile int zc = 0;
    int zr = setjmp(z);
    zc++;
    if (zc == 1) longjmp(z, 0);
    printf("longjmp(0) gives %d\n", zr);

    printf("nested=%d\n", nested());
    printf("div results %d %d %d %d\n", try_div(100, 7), try_div(1, 0), try_div(-5, 2), try_div(81, 9));

    /* jump out of a loop through a callback many times */
    volatile long acc = 0;
    for (volatile int i = 0; i < 1000; i++) {
        jmp_buf b;
        int v = setjmp(b);
        if (v == 0) {
            if (i % 3 == 0) longjmp(b, i + 1);
            acc += i;
        } else {
            acc += v * 2;
        }
    }
    printf("acc=%ld handlers=%d\n", acc, nhandlers);
    return 0;
}
