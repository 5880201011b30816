// Text from a user or a guest put into a one-line message: control
// characters escaped (a raw \r or ESC would rewrite the terminal line or
// hide the rest of the message), and the length bounded. No imports: every
// layer may use it.

export function printable(s: string, max = 80): string {
  const cut = s.length > max ? s.slice(0, max) + '…' : s;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
