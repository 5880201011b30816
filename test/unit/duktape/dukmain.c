/* A small Duktape interpreter: `dukmain SCRIPT [ARGS...]` runs a script file
   with Duktape 1.3.0 built from its C source (npm's duktape@0.3.0 ships it;
   scripts/install-duktape.sh caches it). Adds what the stock cmdline lacks
   to run a program from files: Duktape.modSearch reading module files
   relative to the script's folder (so require() works), readFile/writeFile/
   removeFile, an `args` array and exit(status). print() is Duktape's own.
   test/unit/duktape.test.ts builds this with musl-gcc -O2 -static and runs
   main.js natively and under ksw exec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "duktape.h"

/* The whole file, or NULL (errno says why). */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (n == cap) buf = realloc(buf, cap *= 2);
    size_t got = fread(buf + n, 1, cap - n, f);
    if (got == 0) break;
    n += got;
  }
  fclose(f);
  *len = n;
  return buf;
}

static duk_ret_t read_file(duk_context *ctx) {
  const char *path = duk_require_string(ctx, 0);
  size_t len;
  char *text = slurp(path, &len);
  if (!text) duk_error(ctx, DUK_ERR_ERROR, "cannot read %s", path);
  duk_push_lstring(ctx, text, len);
  free(text);
  return 1;
}

static duk_ret_t write_file(duk_context *ctx) {
  const char *path = duk_require_string(ctx, 0);
  duk_size_t len;
  const char *data = duk_require_lstring(ctx, 1, &len);
  FILE *f = fopen(path, "w");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) duk_error(ctx, DUK_ERR_ERROR, "cannot write %s", path);
  return 0;
}

static duk_ret_t remove_file(duk_context *ctx) {
  duk_push_boolean(ctx, remove(duk_require_string(ctx, 0)) == 0);
  return 1;
}

static duk_ret_t exit_now(duk_context *ctx) {
  fflush(stdout);
  exit(duk_get_int(ctx, 0));
  return 0;
}

/* Modules are files "<script dir>/<id>.js", read when first required. */
static const char *LOADER =
  "Duktape.modSearch = function (id) { return readFile(scriptDir + id + '.js'); };";

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: dukmain SCRIPT [ARGS...]\n"); return 2; }
  duk_context *ctx = duk_create_heap_default();
  duk_push_c_function(ctx, read_file, 1); duk_put_global_string(ctx, "readFile");
  duk_push_c_function(ctx, write_file, 2); duk_put_global_string(ctx, "writeFile");
  duk_push_c_function(ctx, remove_file, 1); duk_put_global_string(ctx, "removeFile");
  duk_push_c_function(ctx, exit_now, 1); duk_put_global_string(ctx, "exit");
  const char *slash = strrchr(argv[1], '/');
  duk_push_lstring(ctx, argv[1], slash ? (size_t)(slash - argv[1] + 1) : 0);
  duk_put_global_string(ctx, "scriptDir");
  duk_idx_t arr = duk_push_array(ctx);
  for (int i = 2; i < argc; i++) { duk_push_string(ctx, argv[i]); duk_put_prop_index(ctx, arr, (duk_uarridx_t)(i - 2)); }
  duk_put_global_string(ctx, "args");
  if (duk_peval_string(ctx, LOADER) != 0) { fprintf(stderr, "dukmain: %s\n", duk_safe_to_string(ctx, -1)); return 1; }
  duk_pop(ctx);

  size_t len;
  char *src = slurp(argv[1], &len);
  if (!src) { perror(argv[1]); return 1; }
  duk_push_string(ctx, argv[1]);
  int rc = duk_pcompile_lstring_filename(ctx, 0, src, len);
  free(src);
  if (rc == 0) rc = duk_pcall(ctx, 0);
  if (rc != 0) {
    fprintf(stderr, "dukmain: %s\n", duk_safe_to_string(ctx, -1));
    duk_destroy_heap(ctx);
    return 1;
  }
  duk_destroy_heap(ctx);
  return 0;
}
