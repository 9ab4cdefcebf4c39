/**
 * Disk spool for batches the store could not insert (server down) once the in-memory queue
 * is over its limit. One file per batch, `<16-digit ms>-<6-digit seq>-<table>.jsonl`, holding
 * exactly the INSERT body (JSONCompactEachRow lines); names sort in write order, so replay is
 * oldest-first and survives restarts (files left by a previous run are replayed on open).
 *
 * Synchronous fs calls: the spool is only touched during an outage, one batch at a time
 * (20k flow rows ≈ 11 MB, written in ~10 ms on the dev VM), never on the packet thread.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SpoolEntry {
  file: string;
  table: string;
  bytes: number;
}

const NAME = /^(\d{16})-(\d{6})-([A-Za-z_][A-Za-z0-9_]*)\.jsonl$/;

export class Spool {
  private entries: SpoolEntry[] = [];
  private seq = 0;
  bytes = 0;

  constructor(readonly dir: string, tables: readonly string[]) {
    mkdirSync(dir, { recursive: true });
    const known = new Set(tables);
    for (const name of readdirSync(dir).sort()) {
      const m = NAME.exec(name);
      if (m === null || !known.has(m[3]!)) continue;
      const bytes = statSync(join(dir, name)).size;
      this.entries.push({ file: name, table: m[3]!, bytes });
      this.bytes += bytes;
    }
  }

  get files(): number {
    return this.entries.length;
  }

  /** Oldest batch still on disk, or undefined. */
  oldest(): SpoolEntry | undefined {
    return this.entries[0];
  }

  /** Write a batch; the write goes to a temp name first so a crash never leaves half a batch. */
  write(table: string, body: string): SpoolEntry {
    const name = `${String(Date.now()).padStart(16, '0')}-${String(this.seq++ % 1e6).padStart(6, '0')}-${table}.jsonl`;
    const tmp = join(this.dir, `.${name}.tmp`);
    writeFileSync(tmp, body);
    renameSync(tmp, join(this.dir, name));
    const e = { file: name, table, bytes: Buffer.byteLength(body) };
    this.entries.push(e);
    this.bytes += e.bytes;
    return e;
  }

  read(e: SpoolEntry): string {
    return readFileSync(join(this.dir, e.file), 'utf8');
  }

  /** Drop a replayed batch (must be the oldest). */
  remove(e: SpoolEntry): void {
    const i = this.entries.indexOf(e);
    if (i < 0) return;
    this.entries.splice(i, 1);
    this.bytes -= e.bytes;
    try {
      unlinkSync(join(this.dir, e.file));
    } catch {
      /* already gone: nothing to replay */
    }
  }

  /** Move a batch the server refused as malformed to `rejected/` for the operator. */
  reject(table: string, body: string): void {
    const dir = join(this.dir, 'rejected');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${String(Date.now()).padStart(16, '0')}-${String(this.seq++ % 1e6).padStart(6, '0')}-${table}.jsonl`), body);
  }
}
