/**
 * Per-flow detection state: the flow keyword's facts about the current packet, flowbits and
 * flowints, stream byte counts, and the raw-stream inspection cursor. The lead's flow table
 * keeps one FlowCtx per flow (created on first detect call) and sets the direction fields
 * before each inspectPacket / inspectStream.
 */
import type { Rule } from '../types.js';

export class FlowCtx {
  /** Suricata's flow id of this flow (EVE flow_id). */
  flowId = 0;
  /** The current packet goes client → server (the flow's initiator is the client). */
  toServer = true;
  /** TCP: 3-way handshake completed (or midstream pickup); UDP/other: packets seen both ways. */
  established = false;
  /** Flowbits, one byte per interned name; grown on first use. */
  bits: Uint8Array = EMPTY;
  /** setx expiry (µs timestamp) per bit, 0 = none. */
  bitExpire: Float64Array = EMPTY_F;
  ints: Float64Array = EMPTY_F;
  intSet: Uint8Array = EMPTY;
  /** Bytes of stream seen per direction (for stream_size, SYN/FIN count one like seq numbers). */
  streamToServer = 0;
  streamToClient = 0;
  /** Bytes (whole packets, as flow.bytes counts them) per direction. */
  bytesToServer = 0;
  bytesToClient = 0;
  packetsToServer = 0;
  packetsToClient = 0;
  /** Raw stream inspection: absolute stream offset already inspected per direction. */
  rawInspectedToServer = 0;
  rawInspectedToClient = 0;
  /** TCP: a SYN was seen; the stream is established for the next packet. */
  sawSyn = false;
  establishedNext = false;
  /** IP-only rules already evaluated for this direction (bit 1 to server, 2 to client) under detector ipOnlyGen. */
  ipOnlyDone = 0;
  ipOnlyGen = -1;
  /** TCP: the reassembler adds this flow's data to its streams (raw-stream rules run there). */
  streamTracked = false;
  /** Detected app-layer protocol of the flow (sensor/app AppProto; 0 = not yet known). */
  appProto = 0;
  /** A `pass` rule that applies to the whole flow matched: no more detection on it. */
  passed = false;
  /** The ruleset generation this state was sized for (reload resizes lazily). */
  generation = -1;

  /** Sizes of the running ruleset's flowbit / flowint tables (arrays grow on first write). */
  private nBits = 0;
  private nInts = 0;

  /**
   * Records the ruleset's table sizes. Nothing is allocated here: most flows never set a
   * flowbit, and sizing every flow's arrays for ET Open's ~1,500 flowbit names cost ~13 KB
   * per flow (2.2 % of the ET Open profile in this method, plus its GC). Reads past the
   * arrays mean "not set" (bit()/intIsSet()); writable() grows them before a write.
   */
  ensure(nBits: number, nInts: number, generation: number): void {
    if (this.generation === generation) return;
    this.nBits = nBits; this.nInts = nInts;
    this.generation = generation;
  }

  /** Grows the arrays to the ruleset's sizes before flowbits / flowints are written. */
  writable(): void {
    const nBits = this.nBits, nInts = this.nInts;
    if (this.bits.length < nBits) { const b = new Uint8Array(nBits); b.set(this.bits); this.bits = b; const e = new Float64Array(nBits); e.set(this.bitExpire); this.bitExpire = e; }
    if (this.ints.length < nInts) { const i = new Float64Array(nInts); i.set(this.ints); this.ints = i; const s = new Uint8Array(nInts); s.set(this.intSet); this.intSet = s; }
  }

  /** Flowbit b is set (ignoring setx expiry). */
  bit(b: number): boolean {
    return b < this.bits.length && this.bits[b] === 1;
  }

  /** Flowint slot has a value. */
  intIsSet(slot: number): boolean {
    return slot < this.intSet.length && this.intSet[slot] === 1;
  }
}

/**
 * The flowbits (isset / isnotset, setx expiry by packet time) and flowint conditions of a
 * rule on a flow's state; set/unset/toggle and assignments are effects, not conditions.
 * Shared by packet, stream and transaction inspection.
 */
export function flowConditions(r: Rule, f: FlowCtx | null, ts: number): boolean {
  for (let i = 0; i < r.flowbits.length; i++) {
    const op = r.flowbits[i];
    if (op.cmd !== 'isset' && op.cmd !== 'isnotset') continue;
    const want = op.cmd === 'isset';
    let ok = op.any ? false : true;
    for (let k = 0; k < op.bits.length; k++) {
      const b = op.bits[k];
      let set = f !== null && f.bit(b);
      if (set && f!.bitExpire[b] !== 0 && ts > f!.bitExpire[b]) set = false;
      const hit = set === want;
      if (op.any) { if (hit) { ok = true; break; } } else if (!hit) { ok = false; break; }
    }
    if (!ok) return false;
  }
  for (let i = 0; i < r.flowints.length; i++) {
    const op = r.flowints[i];
    const isSet = f !== null && f.intIsSet(op.slot);
    switch (op.cmd) {
      case 'isset': if (!isSet) return false; break;
      case 'notset': case 'isnotset': if (isSet) return false; break;
      case '==': case '!=': case '<': case '<=': case '>': case '>=': {
        if (!isSet) return false;
        const v = f!.ints[op.slot];
        let x = op.value;
        if (op.valueSlot >= 0) { if (!f!.intIsSet(op.valueSlot)) return false; x = f!.ints[op.valueSlot]; }
        const ok = op.cmd === '==' ? v === x : op.cmd === '!=' ? v !== x : op.cmd === '<' ? v < x
          : op.cmd === '<=' ? v <= x : op.cmd === '>' ? v > x : v >= x;
        if (!ok) return false;
        break;
      }
      default: break;
    }
  }
  return true;
}

/**
 * A rule's flowbits / flowint effects on a match (set, setx with its expiry at packet time
 * `ts` + seconds, unset, toggle; flowint assignments). One definition for packet, stream
 * and transaction rules: the transaction path had its own copy whose setx never expired.
 */
export function applyFlowEffects(r: Rule, f: FlowCtx | null, ts: number): void {
  if (!f) return;
  if (r.flowbits.length !== 0 || r.flowints.length !== 0) f.writable();
  for (let i = 0; i < r.flowbits.length; i++) {
    const op = r.flowbits[i];
    const b = op.bits[0];
    switch (op.cmd) {
      case 'set': f.bits[b] = 1; f.bitExpire[b] = 0; break;
      case 'setx': f.bits[b] = 1; f.bitExpire[b] = ts + op.expire * 1e6; break;
      case 'unset': f.bits[b] = 0; break;
      case 'toggle': f.bits[b] ^= 1; break;
      default: break;
    }
  }
  for (let i = 0; i < r.flowints.length; i++) {
    const op = r.flowints[i];
    const x = op.valueSlot >= 0 ? f.ints[op.valueSlot] : op.value;
    if (op.cmd === '=') { f.ints[op.slot] = x; f.intSet[op.slot] = 1; }
    else if (op.cmd === '+') { if (f.intSet[op.slot]) f.ints[op.slot] += x; else { f.ints[op.slot] = x; f.intSet[op.slot] = 1; } }
    else if (op.cmd === '-') { if (f.intSet[op.slot]) f.ints[op.slot] -= x; }
  }
}

/**
 * A flowbit the rule requires to be set (its first `flowbits:isset` that is not an `|`
 * alternative), or -1. Candidates are tested against it before matchRule: ET Open's SMB
 * rules share the fast pattern `|FF|SMB` and each gates on a flowbit of its own (~100
 * candidates per SMB packet, almost never set). Only a necessary condition: expiry and
 * the other conditions are still checked by flowConditions.
 */
export function requiredFlowbit(r: Rule): number {
  for (const op of r.flowbits) if (op.cmd === 'isset' && !op.any && op.bits.length > 0) return op.bits[0];
  return -1;
}

const EMPTY = new Uint8Array(0);
const EMPTY_F = new Float64Array(0);
