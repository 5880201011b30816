/* Benchmark: table-driven CRC-32 and Adler-32 over a 1 MiB buffer, many
 * passes, the buffer perturbed between passes. Usage: checksum [SCALE] */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#define BUF_SIZE (1 << 20)
static uint8_t buf[BUF_SIZE];
static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}
static uint32_t crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}
static uint32_t adler32(const uint8_t *p, size_t n) {
    uint32_t a = 1, b = 0;
    while (n) {
        size_t chunk = n < 5552 ? n : 5552; /* largest block without overflow */
        n -= chunk;
        while (chunk--) { a += *p++; b += a; }
        a %= 65521;
        b %= 65521;
    }
    return (b << 16) | a;
}
/* Fletcher-64 over 32-bit words, a different access pattern */
static uint64_t fletcher64(const uint8_t *p, size_t n) {
    uint64_t s1 = 0, s2 = 0;
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint32_t w = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24;
        s1 = (s1 + w) % 0xffffffffu;
        s2 = (s2 + s1) % 0xffffffffu;
    }
    return s2 << 32 | s1;
}

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    uint32_t x = 0x12345678;
    for (size_t i = 0; i < BUF_SIZE; i++) { x = x * 1664525u + 1013904223u; buf[i] = (uint8_t)(x >> 24); }
    crc_init();
    uint32_t crc_acc = 0, adler_acc = 0;
    uint64_t fl_acc = 0;
    int passes = 36 * scale;
    for (int pass = 0; pass < passes; pass++) {
        crc_acc ^= crc32(buf, BUF_SIZE);
        adler_acc += adler32(buf, BUF_SIZE);
        if (pass % 3 == 0) fl_acc ^= fletcher64(buf, BUF_SIZE);
        buf[(pass * 7919) % BUF_SIZE] ^= (uint8_t)pass;
    }
    printf("checksum passes=%d crc=%08x adler=%08x fletcher=%016llx\n", passes, crc_acc, adler_acc,
           (unsigned long long)fl_acc);
    return 0;
}
