/**
 * PacketView + FlowCtx sequences built from a capture by the tshark oracle, for detection
 * tests that must not depend on Fennec's own decoder. Flow direction: the first packet's
 * sender is the client; TCP is established after the client's ACK of the SYN/ACK; UDP once
 * both directions were seen.
 */
import { execFileSync } from 'node:child_process';
import { ipv6Words } from '../../rules/address.js';
import { emptyPacketView, type PacketView } from '../../rules/detect/packet-view.js';
import { FlowCtx } from '../../rules/detect/flow-ctx.js';

export interface OracleStep { p: PacketView; f: FlowCtx | null }

const FIELDS = ['frame.time_epoch', 'ip.version', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'ip.proto', 'ipv6.nxt', 'ip.ttl', 'ipv6.hlim',
  'ip.id', 'ip.flags.mf', 'ip.flags.df', 'ip.flags.rb', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.flags',
  'tcp.seq_raw', 'tcp.ack_raw', 'tcp.window_size_value', 'tcp.options.mss_val', 'icmp.type', 'icmp.code', 'icmp.ident', 'icmp.seq',
  'icmpv6.type', 'icmpv6.code', 'tcp.payload', 'udp.payload', 'data.data'];

function v4(s: string): number {
  return s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

export function oracleSteps(pcaps: string[]): OracleStep[] {
  const steps: OracleStep[] = [];
  const flows = new Map<string, { f: FlowCtx; client: string; synack: boolean; seen2: boolean }>();
  for (const pcap of pcaps) {
    const out = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=f',
      ...FIELDS.flatMap((f) => ['-e', f]), '-o', 'tcp.desegment_tcp_streams:FALSE', '-o', 'tcp.relative_sequence_numbers:FALSE'],
      { encoding: 'utf8', maxBuffer: 1 << 28 });
    for (const line of out.split('\n')) {
      if (!line) continue;
      const x = line.split('|');
      const [ts, ver, s4, d4, s6, d6, proto4, nxt6, ttl4, hlim, id, mf, df, rb, tsp, tdp, usp, udp, tflags, seq, ack, win, mss,
        it, ic, iid, iseq, i6t, i6c, tpay, upay, dpay] = x;
      const p = emptyPacketView();
      p.tsUs = Math.round(Number(ts) * 1e6);
      if (s4 && d4) { p.ipVersion = 4; p.src[2] = 0xffff; p.src[3] = v4(s4); p.dst[2] = 0xffff; p.dst[3] = v4(d4); p.proto = Number(proto4); p.ttl = Number(ttl4); }
      else if (s6 && d6) { p.ipVersion = 6; p.src.set(ipv6Words(s6)!); p.dst.set(ipv6Words(d6)!); p.proto = Number(nxt6); p.ttl = Number(hlim); }
      else continue;
      void ver;
      p.ipId = Number(id || 0);
      p.mf = mf === '1' || mf === 'True'; p.df = df === '1' || df === 'True'; p.rf = rb === '1' || rb === 'True';
      if (tsp) { p.proto = 6; p.sport = Number(tsp); p.dport = Number(tdp); p.tcpFlags = Number(tflags); p.tcpSeq = Number(seq); p.tcpAck = Number(ack); p.tcpWin = Number(win); p.tcpMss = mss ? Number(mss) : -1; }
      else if (usp) { p.proto = 17; p.sport = Number(usp); p.dport = Number(udp); }
      if (it) { p.icmpType = Number(it); p.icmpCode = Number(ic); p.icmpId = iid ? Number(iid) : -1; p.icmpSeq = iseq ? Number(iseq) : -1; }
      if (i6t) { p.icmpType = Number(i6t); p.icmpCode = Number(i6c); }
      const hex = (tpay || upay || dpay || '').replace(/:/g, '');
      p.data = Uint8Array.from(Buffer.from(hex, 'hex'));
      p.payOff = 0; p.payLen = p.data.length;
      let f: FlowCtx | null = null;
      if (p.proto === 6 || p.proto === 17) {
        const a = `${s4 || s6}:${p.sport}`, b = `${d4 || d6}:${p.dport}`;
        const key = `${p.proto}|${a < b ? a + '|' + b : b + '|' + a}`;
        let st = flows.get(key);
        if (!st) { st = { f: new FlowCtx(), client: a, synack: false, seen2: false }; st.f.flowId = flows.size + 1; flows.set(key, st); }
        st.f.toServer = a === st.client;
        if (!st.f.toServer) st.seen2 = true;
        if (p.proto === 6) {
          if (!st.f.toServer && (p.tcpFlags & 0x12) === 0x12) st.synack = true;
          else if (st.f.toServer && st.synack && (p.tcpFlags & 0x10) && !(p.tcpFlags & 0x02)) st.f.established = true;
          if (st.f.toServer) st.f.streamToServer += p.payLen + ((p.tcpFlags & 0x02) ? 1 : 0);
          else st.f.streamToClient += p.payLen + ((p.tcpFlags & 0x02) ? 1 : 0);
        } else if (st.seen2) st.f.established = true;
        f = st.f;
      }
      steps.push({ p, f });
    }
  }
  return steps;
}
