/**
 * domain; and tld; transforms (Suricata 8, on dns.query / tls.sni / http.host ...): the
 * buffer, a host name, becomes its registrable domain ("www.bbc.co.uk" → "bbc.co.uk") or
 * its public suffix ("co.uk"), by the Public Suffix List (Suricata uses the Rust psl crate,
 * ICANN and private sections). The list is Debian's publicsuffix package file, read once
 * per process on first use; without it the rule is skipped with that reason. A name that
 * has no registrable domain (it is itself a public suffix) becomes an empty buffer.
 */
import { readFileSync } from 'node:fs';
import { docUrl, type Keyword } from './keyword.js';
import { addTransform, EXTRA_TRANSFORMS } from './transforms.js';

export const PSL_PATH = '/usr/share/publicsuffix/public_suffix_list.dat';

interface Psl { rules: Set<string>; wild: Set<string>; except: Set<string> }
let psl: Psl | null | undefined;

function loadPsl(): Psl | null {
  if (psl !== undefined) return psl;
  try {
    const rules = new Set<string>(), wild = new Set<string>(), except = new Set<string>();
    for (const raw of readFileSync(PSL_PATH, 'utf8').split('\n')) {
      const l = raw.trim().split(/\s/)[0];
      if (!l || l.startsWith('//')) continue;
      const r = new URL(`http://${l.replace(/^[!*]\.?/, '') || 'x'}`).hostname; // IDN rules → punycode, as on the wire
      if (l.startsWith('!')) except.add(r);
      else if (l.startsWith('*.')) wild.add(r);
      else rules.add(r);
    }
    psl = { rules, wild, except };
  } catch {
    psl = null;
  }
  return psl;
}

/** Number of trailing labels of `labels` that form the public suffix (PSL algorithm, default rule "*"). */
function suffixLabels(p: Psl, labels: string[]): number {
  let best = 1;
  for (let n = labels.length; n >= 1; n--) {
    const s = labels.slice(labels.length - n).join('.');
    if (p.except.has(s)) return n - 1;
    if (n > best && p.rules.has(s)) best = n;
    if (n - 1 >= 1 && n > best && p.wild.has(labels.slice(labels.length - n + 1).join('.'))) best = n;
  }
  return best;
}

function split(b: Uint8Array): string[] | null {
  let s = '';
  for (let i = 0; i < b.length; i++) { const c = b[i]; s += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c); }
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (!s || s.startsWith('.') || s.includes('..')) return null;
  return s.split('.');
}

function tail(labels: string[], n: number): Uint8Array {
  return Uint8Array.from(Buffer.from(labels.slice(labels.length - n).join('.'), 'latin1'));
}

/** Registrable domain (public suffix + one label), or an empty buffer. */
export function registrableDomain(b: Uint8Array): Uint8Array {
  const p = loadPsl(), labels = split(b);
  if (!p || !labels) return new Uint8Array(0);
  const n = suffixLabels(p, labels);
  return n < labels.length ? tail(labels, n + 1) : new Uint8Array(0);
}

/** Public suffix of a name, or an empty buffer. */
export function publicSuffix(b: Uint8Array): Uint8Array {
  const p = loadPsl(), labels = split(b);
  if (!p || !labels) return new Uint8Array(0);
  return tail(labels, Math.min(suffixLabels(p, labels), labels.length));
}

EXTRA_TRANSFORMS.set('domain', registrableDomain);
EXTRA_TRANSFORMS.set('tld', publicSuffix);

function pslTransform(name: string, description: string): Keyword {
  return {
    name, value: 'none', description: `transform: ${description}`, url: docUrl('transforms', name),
    parse(_v, b) {
      if (b.ctx.appLayer && loadPsl() === null) return `${name}: public suffix list ${PSL_PATH} not found (Debian package publicsuffix)`;
      return addTransform(b, name, name);
    },
  };
}

export const domain = pslTransform('domain', 'the registrable domain of a host name (Public Suffix List)');
export const tld = pslTransform('tld', 'the public suffix of a host name (Public Suffix List)');
