/**
 * threshold / detection_filter state per (rule, tracking key), Suricata semantics:
 *  - limit: alert on the first `count` matches per `seconds` window;
 *  - threshold: alert on every `count`-th match within the window;
 *  - both: alert once per window after `count` matches;
 *  - detection_filter: alert on every match after the first `count` within the window.
 * Keys are built only when a rule with a threshold matched (rare), never per packet.
 */
import type { Rule, ThresholdSpec } from '../types.js';
import type { FlowCtx } from './flow-ctx.js';
import type { PacketView } from './packet-view.js';

interface Entry { start: number; count: number; alerted: number }

function ipKey(p: PacketView, src: boolean): string {
  const w = src ? p.src : p.dst;
  return p.ipVersion === 4 ? String(w[3]) : `${w[0]}:${w[1]}:${w[2]}:${w[3]}`;
}

export class ThresholdTable {
  private readonly entries = new Map<string, Entry>();

  allow(r: Rule, p: PacketView, f: FlowCtx | null): boolean {
    if (r.detectionFilter && !this.check(r, r.detectionFilter, p, f)) return false;
    if (r.threshold && !this.check(r, r.threshold, p, f)) return false;
    return true;
  }

  private key(r: Rule, t: ThresholdSpec, p: PacketView, f: FlowCtx | null): string {
    const base = `${r.gid}:${r.sid}:${t.type}`;
    switch (t.track) {
      case 'by_src': return `${base}:s${ipKey(p, true)}`;
      case 'by_dst': return `${base}:d${ipKey(p, false)}`;
      case 'by_both': return `${base}:b${ipKey(p, true)}-${ipKey(p, false)}`;
      case 'by_flow': return `${base}:f${f ? f.flowId : 0}`;
      case 'by_rule': return base;
    }
  }

  private check(r: Rule, t: ThresholdSpec, p: PacketView, f: FlowCtx | null): boolean {
    const k = this.key(r, t, p, f);
    const now = p.tsUs;
    let e = this.entries.get(k);
    if (!e || now - e.start > t.seconds * 1e6) {
      e = { start: now, count: 0, alerted: 0 };
      this.entries.set(k, e);
    }
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
}
