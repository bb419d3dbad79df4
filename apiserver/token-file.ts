// The platform token of an instance, from a file that may change while the server runs: a Kubernetes Secret volume
// is updated in place (an atomic symlink swap), and VVP 3.1.3 tokens expire and are regenerated. The file is looked
// at (stat) at most once a second and read again when it changed; after a 401 the client reads it at once
// (TokenSource.reread). A missing or empty file keeps the last token it held, with one warning.

import { readFileSync, statSync } from 'node:fs';
import type { TokenSource } from './vvp/index.js';

export class FileToken implements TokenSource {
  private token: string | undefined;
  private stamp = '';
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly path: string,
    private readonly warn: (message: string, fields: Record<string, unknown>) => void = () => {},
    private readonly checkEveryMs = 1_000,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!this.load()) throw new Error(`the platform token file ${path} is missing or empty`);
  }

  current(): string | undefined {
    const now = this.clock();
    if (now - this.checkedAt >= this.checkEveryMs) {
      this.checkedAt = now;
      this.load();
    }
    return this.token;
  }

  reread(): boolean {
    this.checkedAt = this.clock();
    const before = this.token;
    this.stamp = '';
    this.load();
    return this.token !== before;
  }

  /** Reads the file when its identity, size or mtime changed; false when it holds no token. */
  private load(): boolean {
    try {
      const st = statSync(this.path);
      const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (stamp === this.stamp) return this.token !== undefined;
      const token = readFileSync(this.path, 'utf8').trim();
      if (!token) throw new Error('it is empty');
      if (this.token !== undefined && token !== this.token) this.warn('the platform token file changed; using the new token', { tokenFile: this.path });
      this.stamp = stamp;
      this.token = token;
      return true;
    } catch (err) {
      if (this.stamp !== 'failed') this.warn('cannot read the platform token file; keeping the last token', { tokenFile: this.path, error: (err as Error).message });
      this.stamp = 'failed';
      return this.token !== undefined;
    }
  }
}
