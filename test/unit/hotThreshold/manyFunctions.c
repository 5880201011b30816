// Many small functions, each entered a given number of times (argv[1])
// through a table: a program that turns more addresses hot than MANY_TRACES
// (simulator/cpu/cpu.ts). Each function is one basic block ending in `ret`.
#include <stdio.h>
#include <stdlib.h>

#define F(n) static unsigned long f##n(unsigned long x) { return x * 6364136223846793005UL + n##UL; }
#define F10(p) F(p##0) F(p##1) F(p##2) F(p##3) F(p##4) F(p##5) F(p##6) F(p##7) F(p##8) F(p##9)
#define T10(p) f##p##0, f##p##1, f##p##2, f##p##3, f##p##4, f##p##5, f##p##6, f##p##7, f##p##8, f##p##9

F10() F10(1) F10(2) F10(3) F10(4) F10(5) F10(6) F10(7) F10(8) F10(9)
F10(10) F10(11) F10(12) F10(13) F10(14) F10(15) F10(16) F10(17) F10(18) F10(19)
F10(20) F10(21) F10(22) F10(23) F10(24) F10(25) F10(26) F10(27) F10(28) F10(29)
F10(30) F10(31)

static unsigned long (*const table[])(unsigned long) = {
  T10(), T10(1), T10(2), T10(3), T10(4), T10(5), T10(6), T10(7), T10(8), T10(9),
  T10(10), T10(11), T10(12), T10(13), T10(14), T10(15), T10(16), T10(17), T10(18), T10(19),
  T10(20), T10(21), T10(22), T10(23), T10(24), T10(25), T10(26), T10(27), T10(28), T10(29),
  T10(30), T10(31),
};

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 1;
  unsigned long acc = 1;
  for (int r = 0; r < rounds; r++)
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++) acc = table[i](acc);
  printf("%u functions, %d rounds: %016lx\n", (unsigned)(sizeof table / sizeof table[0]), rounds, acc);
  return 0;
}
