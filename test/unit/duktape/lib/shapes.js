// A module main.js loads with require() (Duktape.modSearch reads this file).
exports.area = function (kind, a, b) {
  if (kind === 'rect') return a * b;
  if (kind === 'circle') return Math.PI * a * a;
  throw new RangeError('unknown shape ' + kind);
};
exports.loadedAs = module.id;
exports.counter = (typeof exports.counter === 'number' ? exports.counter : 0) + 1;
