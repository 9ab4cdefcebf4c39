/**
 * threshold / detection_filter / threshold.config state per (rule, tracking key), Suricata
 * semantics (src/detect-engine-threshold.c, re-implemented):
 *  - limit: alert on the first `count` matches per `seconds` window;
 *  - threshold: alert on every `count`-th match within the window;
 *  - both: alert once per window after `count` matches;
 *  - backoff: alert at the count-th match, then at count*multiplier, count*multiplier^2 ...
 *    (no window; Suricata 8);
 *  - detection_filter: alert on every match after the first `count` within the window;
 *  - suppress (threshold.config): drop the alert (all, or by src/dst/either address);
 *  - rate_filter (threshold.config): after `count` matches in `seconds`, new_action for
 *    `timeout` seconds (pass = no alert in passive mode).
 * Keys are built only when a rule with such a setting matched (rare), never per packet.
 */
import { addrMatch } from '../address.js';
import type { RateFilterSpec, Rule, ThresholdSpec, TrackBy } from '../types.js';
import type { FlowCtx } from './flow-ctx.js';
import type { PacketView } from './packet-view.js';

interface Entry { start: number; count: number; alerted: number; next: number; until: number }

function ipKey(p: PacketView, src: boolean): string {
  const w = src ? p.src : p.dst;
  return p.ipVersion === 4 ? String(w[3]) : `${w[0]}:${w[1]}:${w[2]}:${w[3]}`;
}

export class ThresholdTable {
  private readonly entries = new Map<string, Entry>();

  /** True when the rule's match becomes an alert. */
  allow(r: Rule, p: PacketView, f: FlowCtx | null): boolean {
    for (let i = 0; i < r.suppress.length; i++) {
      const s = r.suppress[i];
      if (s.track === 'none' || s.addr === null) return false;
      const hitSrc = addrMatch(s.addr, p.ipVersion, p.src), hitDst = addrMatch(s.addr, p.ipVersion, p.dst);
      if (s.track === 'by_src' ? hitSrc : s.track === 'by_dst' ? hitDst : hitSrc || hitDst) return false;
    }
    if (r.detectionFilter && !this.check(r, r.detectionFilter, p, f)) return false;
    if (r.threshold && !this.check(r, r.threshold, p, f)) return false;
    if (r.rateFilter && !this.rate(r, r.rateFilter, p, f)) return false;
    return true;
  }

  private key(r: Rule, type: string, track: TrackBy, p: PacketView, f: FlowCtx | null): string {
    const base = `${r.gid}:${r.sid}:${type}`;
    switch (track) {
      case 'by_src': return `${base}:s${ipKey(p, true)}`;
      case 'by_dst': return `${base}:d${ipKey(p, false)}`;
      case 'by_both': return `${base}:b${ipKey(p, true)}-${ipKey(p, false)}`;
      case 'by_flow': return `${base}:f${f ? f.flowId : 0}`;
      case 'by_rule': return base;
    }
  }

  private entry(k: string, now: number): Entry {
    let e = this.entries.get(k);
    if (!e) { e = { start: now, count: 0, alerted: 0, next: 0, until: 0 }; this.entries.set(k, e); }
    return e;
  }

  private check(r: Rule, t: ThresholdSpec, p: PacketView, f: FlowCtx | null): boolean {
    const now = p.tsUs;
    const e = this.entry(this.key(r, t.type, t.track, p, f), now);
    if (t.type === 'backoff') {
      e.count++;
      if (e.next === 0) e.next = t.count;
      if (e.count === e.next) { e.next *= t.multiplier; return true; }
      return false;
    }
    if (now - e.start > t.seconds * 1e6) { e.start = now; e.count = 0; e.alerted = 0; }
    e.count++;
    switch (t.type) {
      case 'limit': return e.count <= t.count;
      case 'threshold':
        if (e.count >= t.count) { e.start = now; e.count = 0; return true; }
        return false;
      case 'both':
        if (e.count >= t.count && !e.alerted) { e.alerted = 1; return true; }
        return false;
      case 'detection_filter': return e.count > t.count;
    }
  }

  private rate(r: Rule, t: RateFilterSpec, p: PacketView, f: FlowCtx | null): boolean {
    const now = p.tsUs;
    const e = this.entry(this.key(r, 'rate_filter', t.track, p, f), now);
    if (e.until !== 0) {
      if (now < e.until) return t.newAction !== 'pass';
      e.until = 0; e.start = now; e.count = 0;
    }
    if (now - e.start > t.seconds * 1e6) { e.start = now; e.count = 0; }
    e.count++;
    if (e.count > t.count) { e.until = now + t.timeout * 1e6; return t.newAction !== 'pass'; }
    return true;
  }
}
