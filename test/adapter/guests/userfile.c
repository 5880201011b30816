/* A user program that keeps a log on the host: it appends one line to the
   file named on its command line, reads the whole file back and counts the
   lines it appended. Run once on a file holding "first line\n", it prints
   "bytes=15 runs=1" and leaves "first line\nrun\n"; a second run of the
   append (a replay that touched the host again) would show in both. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int read_back(const char *path, char *buf, int size) {
  int fd = open(path, O_RDONLY);
  int n = read(fd, buf, size - 1); /* READ: */
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  return n;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
  write(fd, "run\n", 4); /* APPEND: */
  close(fd);
  char buf[256];
  int n = read_back(argv[1], buf, sizeof buf);
  int runs = 0;
  for (char *p = buf; (p = strstr(p, "run\n")); p += 4) runs++;
  printf("bytes=%d runs=%d\n", n, runs); /* PRINT: */
  return 0;
}
