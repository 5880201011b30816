/* A minimal Lua interpreter: Debian's static liblua5.4 (liblua5.4-dev) with
   this main, as `lua SCRIPT ARGS...` would run it (arg table, script errors
   on stderr with status 1). test/unit/interpreter.test.ts builds it with
   gcc -static and runs main.lua natively and under ksw exec. */
#include <stdio.h>
#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <lua5.4/lualib.h>
int main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  lua_newtable(L);
  for (int i = 0; i < argc; i++) { lua_pushstring(L, argv[i]); lua_rawseti(L, -2, i - 1); }
  lua_setglobal(L, "arg");
  if (argc < 2) { fprintf(stderr, "usage: minilua SCRIPT\n"); return 2; }
  if (luaL_dofile(L, argv[1]) != LUA_OK) { fprintf(stderr, "minilua: %s\n", lua_tostring(L, -1)); lua_close(L); return 1; }
  lua_close(L);
  return 0;
}
