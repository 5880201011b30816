// A script for the Duktape interpreter under ksw exec: require() of a module
// file, exceptions, regular expressions, JSON, closures, sorting, Date-free
// number formatting, file I/O, a bigger loop (GC), exit status 3.
var shapes = require('lib/shapes');
var again = require('lib/shapes');
print('module', shapes.loadedAs, 'cached', shapes === again, 'loads', shapes.counter);
print('rect', shapes.area('rect', 3, 4), 'circle', shapes.area('circle', 2).toFixed(6));
try { shapes.area('hexagon', 1); } catch (e) { print('caught', e.name, e.message); }
var words = {};
'the quick brown fox jumps over the lazy dog the end'.replace(/[a-z]+/g, function (w) { words[w] = (words[w] || 0) + 1; });
print(Object.keys(words).sort().map(function (k) { return k + '=' + words[k]; }).join(' '));
var parsed = JSON.parse('{"a":[1,2.5,"x"],"b":{"c":null,"d":true}}');
print('json', JSON.stringify(parsed), parsed.a[1] * 2);
function counter() { var n = 0; return function () { return ++n; }; }
var c = counter(); c(); c();
print('closure', c());
var out = args[0] || 'out.txt';
writeFile(out, 'written by duktape\n');
print('read back:', readFile(out).trim());
print('removed', removeFile(out));
var t = [], s = 0;
for (var i = 0; i < 3000; i++) t.push({ v: i % 7 });
for (i = 0; i < t.length; i++) s += t[i].v;
print('sum', s, 'sorted', [5, 3, 11, 1].sort(function (x, y) { return x - y; }).join(','));
print((0.1 + 0.2).toPrecision(17), Math.pow(2, 53), (1 / 3).toString(), parseInt('ff', 16), (255).toString(2));
print('version', Duktape.version);
exit(3);
