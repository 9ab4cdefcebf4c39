/**
 * removeDots (RFC 3986 remove_dot_segments) against a straightforward reference on paths
 * built from segments that stress the dot-segment fast path ("x.php", ".", "..", "...").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { removeDots } from '../../sensor/app/http/uri.js';

function reference(path: string): string {
  const abs = path.startsWith('/');
  const parts = path.split('/');
  if (abs) parts.shift();
  const out: string[] = [];
  parts.forEach((x, k) => {
    const last = k === parts.length - 1;
    if (x === '.') { if (last) out.push(''); return; }
    if (x === '..') { out.pop(); if (last) out.push(''); return; }
    out.push(x);
  });
  return (abs ? '/' : '') + out.join('/');
}

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const dec = (b: Uint8Array) => String.fromCharCode(...b);

test('removeDots equals remove_dot_segments on 20,000 generated paths', () => {
  const segs = ['a', 'x.php', '.', '..', '...', '.hidden', 'b..', '', 'index.html', '%2e'];
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  for (let i = 0; i < 20000; i++) {
    const k = 1 + rnd(6);
    const parts: string[] = [];
    for (let j = 0; j < k; j++) parts.push(segs[rnd(segs.length)]);
    const path = (rnd(4) ? '/' : '') + parts.join('/');
    assert.equal(dec(removeDots(enc(path))), reference(path), path);
  }
  assert.equal(dec(removeDots(enc('/a/b/../c/./d.php'))), '/a/c/d.php');
  assert.equal(dec(removeDots(enc('/x.php?a=1'))), '/x.php?a=1');
});
