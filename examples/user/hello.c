/* The bundled demo for `ksw exec`: a small static program that computes a
 * few things and prints them. Rebuild with `npm run build:guests`
 * (musl-gcc -static -O2); the binary next to this file is committed so the
 * demo runs where musl-gcc is not installed. */
#include <stdio.h>
#include <string.h>

static unsigned long long fib(int n) {
    unsigned long long a = 0, b = 1;
    while (n--) { unsigned long long t = a + b; a = b; b = t; }
    return a;
}

static unsigned crc32(const char *s) {
    unsigned c = 0xffffffffu;
    for (; *s; s++) {
        c ^= (unsigned char)*s;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
    return ~c;
}

int main(int argc, char **argv) {
    printf("Hello from a simulated x86-64 CPU!\n");
    int primes = 0;
    for (int n = 2; n < 10000; n++) {
        int prime = 1;
        for (int d = 2; d * d <= n; d++)
            if (n % d == 0) { prime = 0; break; }
        primes += prime;
    }
    printf("primes below 10000: %d\n", primes);
    printf("fib(90) = %llu\n", fib(90));
    const char *msg = "KStackWatch";
    printf("crc32(\"%s\") = %08x\n", msg, crc32(msg));
    for (int i = 1; i < argc; i++) printf("argv[%d] = %s (%zu bytes)\n", i, argv[i], strlen(argv[i]));
    return 0;
}
