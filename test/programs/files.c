/* Files and directories as a program sees them: stdio and raw descriptors,
   offsets shared by dup, O_APPEND, pread/pwrite, stat/fstat/lstat, links,
   rename/unlink, directory listing, chdir/getcwd, fcntl, pipes within the
   process, a file-backed private mmap and /proc/self/exe. Everything happens
   in a fresh directory under /tmp that is removed at the end. */
#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) { printf("opendir %s: %s\n", dir, strerror(errno)); return; }
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, by_name);
  printf("%s:", dir[0] == '/' ? "<dir>" : dir);
  for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
  printf("\n");
}

int main(void) {
  char dir[] = "/tmp/ksw-files-XXXXXX";
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  if (chdir(dir)) { perror("chdir"); return 1; }
  char cwd[256];
  printf("getcwd matches: %d\n", getcwd(cwd, sizeof cwd) && strcmp(cwd, dir) == 0);

  /* stdio: write, read back line by line, seek */
  FILE *f = fopen("numbers.txt", "w");
  if (!f) { perror("fopen w"); return 1; }
  for (int i = 1; i <= 200; i++) fprintf(f, "%d squared is %d\n", i, i * i);
  fclose(f);
  f = fopen("numbers.txt", "r");
  char line[128];
  long sum = 0;
  int lines = 0;
  while (fgets(line, sizeof line, f)) { sum += atoi(line); lines++; }
  fseek(f, -15, SEEK_END);
  size_t got = fread(line, 1, 14, f);
  line[got] = 0;
  printf("lines=%d sum=%ld size=%ld tail=[%s]\n", lines, sum, ftell(f), line);
  fclose(f);

  /* raw descriptors: shared offset through dup, pread/pwrite, O_APPEND, lseek */
  int fd = open("raw.bin", O_CREAT | O_RDWR | O_TRUNC, 0640);
  write(fd, "0123456789", 10);
  int fd2 = dup(fd);
  lseek(fd2, 2, SEEK_SET);
  char b[16] = {0};
  read(fd, b, 3);
  printf("dup shares offset: [%s] now at %ld\n", b, (long)lseek(fd, 0, SEEK_CUR));
  pwrite(fd, "AB", 2, 8);
  memset(b, 0, sizeof b);
  pread(fd2, b, 10, 0);
  printf("after pwrite: [%s] offset still %ld\n", b, (long)lseek(fd2, 0, SEEK_CUR));
  long past = (long)lseek(fd, 100, SEEK_SET);
  printf("seek past end: %ld, read there: %zd\n", past, read(fd, b, 4));
  close(fd2);
  close(fd);
  fd = open("raw.bin", O_WRONLY | O_APPEND);
  write(fd, "++", 2);
  printf("append offset %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  printf("fcntl: GETFL append=%d accmode=%d cloexec=%d\n", !!(fcntl(fd, F_GETFL) & O_APPEND),
         fcntl(fd, F_GETFL) & O_ACCMODE, fcntl(fd, F_GETFD));
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  printf("cloexec now %d\n", fcntl(fd, F_GETFD));
  ftruncate(fd, 5);
  close(fd);

  /* metadata */
  struct stat st;
  stat("raw.bin", &st);
  printf("raw.bin: size=%lld mode=%o regular=%d nlink=%ld\n", (long long)st.st_size, st.st_mode & 0777,
         S_ISREG(st.st_mode), (long)st.st_nlink);
  int r = stat("nope", &st);
  printf("stat missing: %d %s\n", r, strerror(errno));
  int readable = access("raw.bin", R_OK);
  r = access("nope", W_OK);
  printf("access R_OK=%d W_OK(missing)=%d errno=%d\n", readable, r, errno);
  link("raw.bin", "hard.bin");
  symlink("raw.bin", "soft.bin");
  stat("raw.bin", &st);
  printf("nlink after link: %ld\n", (long)st.st_nlink);
  lstat("soft.bin", &st);
  printf("soft.bin is link: %d, size %lld\n", S_ISLNK(st.st_mode), (long long)st.st_size);
  char target[64] = {0};
  printf("readlink: %zd [%s]\n", readlink("soft.bin", target, sizeof target - 1), target);
  chmod("hard.bin", 0600);
  stat("raw.bin", &st);
  printf("mode via other name: %o\n", st.st_mode & 0777);

  /* directories */
  mkdir("sub", 0755);
  mkdir("sub/deeper", 0700);
  r = mkdir("sub", 0755);
  printf("mkdir existing: %d %s\n", r, strerror(errno));
  rename("hard.bin", "sub/moved.bin");
  list(".");
  list("sub");
  chdir("sub/deeper");
  getcwd(cwd, sizeof cwd);
  printf("cwd tail: %s\n", cwd + strlen(dir));
  chdir("../..");
  r = rmdir("sub");
  printf("rmdir non-empty: %d %s\n", r, strerror(errno));
  int dfd = open("sub", O_RDONLY | O_DIRECTORY);
  printf("openat relative: %d\n", openat(dfd, "moved.bin", O_RDONLY) >= 0);
  ssize_t n = read(dfd, b, 1);
  printf("read from directory: %zd %s\n", n, strerror(errno));
  unlinkat(dfd, "deeper", AT_REMOVEDIR);
  unlinkat(dfd, "moved.bin", 0);
  close(dfd);
  list("sub");

  /* file-backed private mmap: a copy; writing it does not touch the file */
  fd = open("numbers.txt", O_RDONLY);
  fstat(fd, &st);
  char *m = mmap(0, st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED) { perror("mmap"); return 1; }
  int newlines = 0;
  for (off_t i = 0; i < st.st_size; i++) newlines += m[i] == '\n';
  m[0] = 'X';
  char first;
  pread(fd, &first, 1, 0);
  printf("mmap: %d newlines, file still starts with %c, map with %c\n", newlines, first, m[0]);
  munmap(m, st.st_size);
  close(fd);

  /* a pipe within the process, and stdout redirected with dup2 */
  int p[2];
  pipe(p);
  int saved = dup(1);
  fflush(stdout);
  dup2(p[1], 1);
  printf("through the pipe %d", 42);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  close(p[1]);
  memset(line, 0, sizeof line);
  n = read(p[0], line, sizeof line - 1);
  printf("pipe gave %zd bytes: [%s], ", n, line);
  printf("then %zd (EOF)\n", read(p[0], line, 1));
  close(p[0]);
  pipe(p);
  close(p[0]);
  signal(SIGPIPE, SIG_IGN);
  n = write(p[1], "x", 1);
  printf("write to closed pipe: %zd %s\n", n, strerror(errno));
  close(p[1]);
  r = close(p[1]);
  printf("close twice: %d %s\n", r, strerror(errno));

  /* /proc/self/exe names this program */
  char exe[512] = {0};
  n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  const char *base = strrchr(exe, '/');
  printf("/proc/self/exe: %s\n", n > 0 && base && strncmp(base, "/files", 6) == 0 ? "files*" : exe);

  unlink("numbers.txt");
  unlink("raw.bin");
  unlink("soft.bin");
  rmdir("sub");
  chdir("/");
  printf("cleanup: %d\n", rmdir(dir));
  return 0;
}
