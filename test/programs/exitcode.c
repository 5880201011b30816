/* Arguments, atexit handlers, stdio buffering at exit, stderr, and a
 * non-zero exit status computed from the arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void last(void) { printf("atexit: last handler\n"); }
static void first(void) { printf("atexit: first handler (runs second)\n"); }

int main(int argc, char **argv) {
    atexit(last);
    atexit(first);
    printf("argc=%d\n", argc);
    int status = 0;
    for (int i = 1; i < argc; i++) {
        printf("argv[%d]=\"%s\" len=%zu\n", i, argv[i], strlen(argv[i]));
        status += (int)strlen(argv[i]);
    }
    printf("argv[argc] is %s\n", argv[argc] ? "set" : "NULL");
    fprintf(stderr, "this line goes to stderr\n");
    printf("unflushed line without newline, exit status %d", 40 + status % 20);
    exit(40 + status % 20);
}
