/* Benchmark: linked-list walks. Nodes are allocated from a pool in shuffled
 * order (pointer chasing with poor locality), then the list is walked,
 * searched, reversed and partially relinked many times. Usage: list [SCALE] */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

struct node { struct node *next; uint32_t key; uint32_t val; };
#define N 200000

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    struct node *pool = malloc(N * sizeof *pool);
    uint32_t *order = malloc(N * sizeof *order);
    uint32_t x = 2463534242u;
    for (uint32_t i = 0; i < N; i++) order[i] = i;
    for (uint32_t i = N - 1; i > 0; i--) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        uint32_t j = x % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    struct node *head = NULL;
    for (uint32_t i = 0; i < N; i++) {
        struct node *n = &pool[order[i]];
        n->key = i;
        n->val = (i * 2654435761u) >> 7;
        n->next = head;
        head = n;
    }
    uint64_t sum = 0;
    uint32_t found = 0;
    int walks = 280 * scale;
    for (int w = 0; w < walks; w++) {
        /* full walk */
        for (struct node *p = head; p; p = p->next) sum += p->val ^ (uint32_t)w;
        /* search for a few keys */
        uint32_t want = (uint32_t)(w * 7919) % N;
        for (struct node *p = head; p; p = p->next) if (p->key == want) { found++; break; }
        /* every 10 walks reverse the list */
        if (w % 10 == 9) {
            struct node *prev = NULL;
            while (head) { struct node *nx = head->next; head->next = prev; prev = head; head = nx; }
            head = prev;
        }
        /* move the first node to the middle */
        if (head && head->next) {
            struct node *first = head, *p = head;
            head = head->next;
            for (int k = 0; k < N / 2 && p->next; k++) p = p->next;
            first->next = p->next;
            p->next = first;
        }
    }
    uint32_t count = 0;
    for (struct node *p = head; p; p = p->next) count++;
    printf("list nodes=%u walks=%d found=%u sum=%llu\n", count, walks, found, (unsigned long long)sum);
    free(order);
    free(pool);
    return 0;
}
