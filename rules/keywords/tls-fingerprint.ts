/**
 * tls.fingerprint:[!]"aa:bb:..." (Suricata detect-tls.c, the legacy value form): the server
 * certificate's SHA-1 fingerprint equals the value, compared case-insensitively (Suricata
 * strcasecmp). Built as a nocase content anchored at 0 plus bsize = its length on the
 * tls.cert_fingerprint buffer (rules/keywords/tls-cert-fingerprint.ts), so the fingerprint
 * Fennec's TLS parser extracts is compared and the prefilter can use it. `!` negates: the
 * fingerprint must differ (fingerprints all have the same length, so a negated anchored
 * content is exact).
 */
import type { ContentMatch } from '../types.js';
import { docUrl, type Keyword } from './keyword.js';
import { BUFFER_DEFS, listFor } from './app-buffer.js';
import { lowerBytes, parseContentString } from './content.js';
import { parseUint } from './uint.js';

export const tlsFingerprint: Keyword = {
  name: 'tls.fingerprint', value: 'required',
  description: 'match the SHA-1 fingerprint of the server certificate (legacy value form)',
  url: docUrl('tls-keywords', 'tls-fingerprint'),
  parse(v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('tls.fingerprint'); return null; }
    const r = parseContentString(v!);
    if (typeof r === 'string') return `tls.fingerprint: ${r}`;
    if (r.bytes.length === 0) return 'tls.fingerprint: empty value';
    const d = BUFFER_DEFS.get('tls.cert_fingerprint');
    if (!d) return 'tls.fingerprint: tls.cert_fingerprint buffer not registered';
    const l = listFor(b, d);
    if (typeof l === 'string') return l;
    const lower = lowerBytes(r.bytes);
    const m: ContentMatch = {
      t: 'content', bytes: lower, lower, nocase: true, negated: r.negated,
      offset: 0, depth: lower.length, distance: 0, within: 0,
      offsetVar: -1, depthVar: -1, distanceVar: -1, withinVar: -1,
      hasOffset: true, hasDepth: true, hasDistance: false, hasWithin: false,
      startswith: false, endswith: false, rawbytes: false,
      fastPattern: false, fastPatternOnly: false, fpChopOff: 0, fpChopLen: 0,
    };
    // Not through addPayload: the option does not change the current sticky buffer.
    l.matches.push(m);
    if (!r.negated && l.bsize === null) {
      const c = parseUint(String(lower.length), 0xffffffff);
      if (typeof c !== 'string') l.bsize = c;
    }
    return null;
  },
};
