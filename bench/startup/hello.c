/* Start-up benchmark: the smallest `ksw exec` workload. */
#include <stdio.h>

int main(void) {
    printf("hello, world\n");
    return 0;
}
