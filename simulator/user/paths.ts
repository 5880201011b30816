// How a guest path becomes a host path. Without a root the guest sees the
// host file system as qemu-user gives it: the paths it is given, relative
// ones against its own working directory (which starts as ksw's). With
// `--root DIR` the guest's "/" is DIR: `..` cannot climb above it and a
// path whose symbolic links lead outside it is refused (EACCES), so an
// untrusted program only touches files under DIR.
//
// Paths are byte strings on Linux; they travel here as latin1 strings (one
// char per byte) and reach Node's fs as Buffers, so no name is re-encoded.

import * as fs from 'node:fs';
import { posix } from 'node:path';
import { Errno } from './errno';

/** A host path (bytes) or a negative errno. */
export type HostPath = Buffer | number;

export const PROC_SELF_EXE = '/proc/self/exe';

export class PathResolver {
  /** The guest's working directory, as the guest names it (latin1). */
  cwd: string;
  private readonly root: string | null;

  /**
   * @param root host directory that is the guest's "/" (null: the host's own root)
   * @param exe host path of the executable, which /proc/self/exe names
   */
  constructor(root: string | null, readonly exe: string) {
    if (root === null) {
      this.root = null;
      this.cwd = latin1(process.cwd());
    } else {
      this.root = latin1(fs.realpathSync(root));
      this.cwd = '/';
    }
  }

  get confined(): boolean {
    return this.root !== null;
  }

  /** The absolute guest path for `path` seen from guest directory `base`. */
  absolute(path: string, base = this.cwd): string {
    return posix.normalize(posix.isAbsolute(path) ? path : posix.join(base, path));
  }

  /** The host path for an absolute guest path; with a root, refuses paths that escape it. */
  toHost(guestAbs: string): HostPath {
    if (guestAbs === PROC_SELF_EXE) return Buffer.from(this.exe, 'utf8');
    if (this.root === null) return Buffer.from(guestAbs, 'latin1');
    const host = this.root + (guestAbs === '/' ? '' : guestAbs);
    return this.insideRoot(host) ? Buffer.from(host, 'latin1') : -Errno.EACCES;
  }

  /** What the guest calls host path `host` (getcwd, readlink /proc/self/exe). */
  toGuest(host: string): string {
    if (this.root === null) return host;
    return host === this.root ? '/' : host.startsWith(this.root + '/') ? host.slice(this.root.length) : host;
  }

  /**
   * Whether the deepest existing ancestor of `host` (symbolic links
   * followed) is the root or below it. The last component may be a link:
   * operations that follow it are checked by their own resolution, and a
   * dangling or escaping link is refused here too because realpath sees it.
   */
  private insideRoot(host: string): boolean {
    const root = this.root as string;
    let p = host;
    for (;;) {
      let real: string;
      try {
        real = fs.realpathSync(Buffer.from(p, 'latin1'), { encoding: 'latin1' });
      } catch {
        // A link that leads nowhere could still be created through: refuse it.
        if (p === host && isLink(p)) return false;
        const parent = posix.dirname(p);
        if (parent === p) return false;
        p = parent;
        continue;
      }
      return real === root || real.startsWith(root + '/');
    }
  }
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(Buffer.from(p, 'latin1')).isSymbolicLink();
  } catch {
    return false;
  }
}

export function latin1(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}
