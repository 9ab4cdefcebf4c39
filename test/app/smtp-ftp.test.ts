/**
 * SMTP and FTP app layers (sensor/app/smtp, sensor/app/ftp) on real captures, through the
 * real CLI, with tshark (commands, arguments, PASV ports) and Python's email package (MIME
 * attachments of the mails tshark exports) as oracles; the STARTTLS protocol change on
 * real TLS bytes through AppLayer.
 */
import { runEve } from '../rules/eve-run.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcpStreams, tshark } from './streams.js';
import { SHARED } from '../helpers/paths.js';
import { AppLayer } from '../../sensor/app/layer.js';
import { AppProto, BUF, TO_CLIENT, TO_SERVER, type AppTx } from '../../sensor/app/types.js';
import { SmtpTx } from '../../sensor/app/smtp/state.js';

const SEEDS = SHARED + '/bench/seeds';

interface Ev { event_type: string; app_proto?: string; alert?: { signature_id: number }; smtp?: Record<string, unknown>; ftp?: Record<string, unknown>; [k: string]: unknown }

function run(pcap: string, rules: string, extra: string[] = []): Ev[] {
  return runEve<Ev>(pcap, rules, ['--set', 'checksum-validation=no', ...extra]);
}

const alerts = (evs: Ev[], sid: number): Ev[] => evs.filter((e) => e.event_type === 'alert' && e.alert!.signature_id === sid);

/** Suricata's value of a MAIL FROM / RCPT TO parameter: after the colon, spaces skipped, up to the next space. */
function suriParam(p: string): string {
  const s = p.slice(p.indexOf(':') + 1).replace(/^ +/, '');
  const sp = s.indexOf(' ');
  return sp < 0 ? s : s.slice(0, sp);
}

/**
 * The mails of a capture from its reassembled client streams (tshark follow): EHLO/HELO,
 * MAIL and RCPT lines outside DATA, and each message between DATA and "." (dot-unstuffed).
 * tshark's own SMTP dissector loses track after a rejected pipelined DATA
 * (smtp-data-rejected: it reports one MAIL of two), so the lines are read here.
 */
function mails(pcap: string): Array<{ helo: string; mail_from: string; rcpt_to: string[]; body: Buffer | null }> {
  const out: Array<{ helo: string; mail_from: string; rcpt_to: string[]; body: Buffer | null }> = [];
  for (const s of tcpStreams(pcap)) {
    if (s.serverPort !== 25 && s.serverPort !== 587) continue;
    const srv = Buffer.concat(s.chunks.filter((c) => !c.toServer).map((c) => Buffer.from(c.bytes))).toString('latin1');
    const cli = Buffer.concat(s.chunks.filter((c) => c.toServer).map((c) => Buffer.from(c.bytes))).toString('latin1').split('\r\n');
    // Replies come in command order; the accepted DATAs (354) are the last ones here
    // (smtp-data-rejected: a pipelined DATA refused with 503, then RSET and a new mail).
    const dataOk = (srv.match(/^354/gm) ?? []).length;
    const dataAll = cli.filter((l) => l.toUpperCase() === 'DATA').length;
    let helo = '', cur: { helo: string; mail_from: string; rcpt_to: string[]; body: Buffer | null } | null = null, nData = 0;
    for (let i = 0; i < cli.length; i++) {
      const l = cli[i], u = l.toUpperCase();
      if (u.startsWith('EHLO ') || u.startsWith('HELO ')) helo = l.slice(5).split(' ')[0];
      else if (u.startsWith('MAIL FROM')) { cur = { helo, mail_from: suriParam(l), rcpt_to: [], body: null }; out.push(cur); }
      else if (u.startsWith('RCPT TO') && cur) cur.rcpt_to.push(suriParam(l));
      else if (u === 'DATA' && nData++ >= dataAll - dataOk) {
        // The server accepted a DATA (354): the lines up to "." are the message.
        const body: string[] = [];
        for (i++; i < cli.length && cli[i] !== '.'; i++) body.push(cli[i].startsWith('.') ? cli[i].slice(1) : cli[i]);
        if (cur) cur.body = Buffer.from(body.join('\r\n') + '\r\n', 'latin1');
      }
    }
  }
  return out;
}

test('smtp: one transaction per mail; EVE helo/mail_from/rcpt_to equal the client\'s command lines', () => {
  for (const name of ['smtp-sessions', 'smtp-data-rejected', 'smtp-rfc2231']) {
    const pcap = join(SEEDS, name + '.pcap');
    const evs = run(pcap, [
      'alert smtp any any -> any any (msg:"mail"; smtp.mail_from; content:"@"; sid:1;)',
      'alert smtp any any -> any any (msg:"each rcpt"; smtp.rcpt_to; content:"@"; sid:2;)',
      'alert http any any -> any any (msg:"never on smtp"; sid:3;)',
    ].join('\n'));
    const want = mails(pcap).map((m) => ({ helo: m.helo, mail_from: m.mail_from, rcpt_to: m.rcpt_to }));
    const got = alerts(evs, 1).map((e) => JSON.stringify({ helo: e.smtp!.helo, mail_from: e.smtp!.mail_from, rcpt_to: e.smtp!.rcpt_to }));
    assert.deepEqual(got.sort(), want.map((w) => JSON.stringify(w)).sort(), `${name}: one alert per MAIL with the values of the client's lines`);
    for (const e of alerts(evs, 1)) assert.equal(e.app_proto, 'smtp');
    assert.equal(alerts(evs, 2).length, want.length, `${name}: a multi-buffer rule alerts once per transaction`);
    assert.equal(alerts(evs, 3).length, 0);
    assert.ok(evs.some((e) => e.event_type === 'flow' && e.app_proto === 'smtp'), `${name}: flow app_proto smtp`);
  }
});

test('smtp: file.data / file.name are the MIME attachments, decoded as Python\'s email package decodes the messages', () => {
  for (const name of ['smtp-sessions', 'smtp-data-rejected', 'smtp-rfc2231']) {
    const pcap = join(SEEDS, name + '.pcap');
    const tmp = mkdtempSync(join(tmpdir(), 'fennec-imf-'));
    try {
      const emls = mails(pcap).filter((m) => m.body !== null).map((m, i) => { const p = join(tmp, `${i}.eml`); writeFileSync(p, m.body!); return p; });
      assert.ok(emls.length > 0, `${name}: a message was sent`);
      const py = `
import sys, email, json, hashlib
from email import policy
out = []
for path in sys.argv[1:]:
    m = email.message_from_bytes(open(path, 'rb').read(), policy=policy.compat32)
    for part in m.walk():
        if part.is_multipart(): continue
        fn = part.get_filename()
        cd = (part.get('Content-Disposition') or '').lower()
        if fn is None and not cd.startswith('attachment'): continue
        data = part.get_payload(decode=True) or b''
        out.append({'name': fn, 'len': len(data), 'head': data[:12].hex()})
print(json.dumps(out))`;
      const files = JSON.parse(execFileSync('python3', ['-c', py, ...emls], { encoding: 'utf8' })) as Array<{ name: string | null; len: number; head: string }>;
      assert.ok(files.length > 0, `${name}: the mail has attachments`);
      // One rule per attachment: its exact length and first bytes (a wrong decode misses).
      const rules = files.map((f, i) => `alert smtp any any -> any any (msg:"att ${i}"; file.data; content:"|${f.head}|"; startswith; bsize:${f.len}; sid:${10 + i};)`);
      const evs = run(pcap, rules.join('\n'));
      files.forEach((f, i) => {
        const a = alerts(evs, 10 + i);
        assert.ok(a.length >= 1, `${name}: attachment ${f.name} (${f.len} bytes) is a file.data instance`);
        assert.ok((a[0].smtp!.attachments as string[]).includes(f.name ?? ''), `${name}: EVE names ${f.name}`);
      });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
});

test('smtp: STARTTLS accepted hands the stream to TLS (protocol change); the TLS parser sees the real ClientHello', () => {
  // Real TLS bytes (tls-extensions.pcap stream 0) after an SMTP STARTTLS exchange.
  const tls = tcpStreams(join(SEEDS, 'tls-extensions.pcap'), 1)[0];
  const sni = tshark(['-r', join(SEEDS, 'tls-extensions.pcap'), '-Y', 'tcp.stream == 0 && tls.handshake.type == 1', '-T', 'fields', '-e', 'tls.handshake.extensions_server_name']).trim();
  const txs: AppTx[] = [];
  const layer = new AppLayer(4, (_slot, tx) => { if (!txs.includes(tx)) txs.push(tx); });
  const feed = (toServer: boolean, s: string | Uint8Array): void => { const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s; layer.data(0, toServer, b, 0, b.length, 40000, 25); };
  feed(false, '220 mx.example ESMTP\r\n');
  feed(true, 'EHLO client.example\r\n');
  feed(false, '250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
  feed(true, 'STARTTLS\r\n');
  assert.equal(layer.name(0), 'smtp');
  feed(false, '220 2.0.0 Ready to start TLS\r\n');
  assert.equal(layer.changing[0], AppProto.TLS, 'a change to TLS is in progress');
  for (const c of tls.chunks) feed(c.toServer, c.bytes);
  assert.equal(layer.name(0), 'tls');
  assert.equal(layer.changing[0], 0, 'both directions identified: change over');
  const smtp = txs.find((t) => t.proto === AppProto.SMTP) as SmtpTx;
  assert.equal(smtp.progress, TO_SERVER | TO_CLIENT, 'the SMTP transaction completed at STARTTLS');
  assert.equal(Buffer.from(smtp.helo!).toString(), 'client.example');
  const t = txs.find((x) => x.proto === AppProto.TLS)!;
  assert.equal(Buffer.from(t.buffer(BUF.TLS_SNI, 0)!).toString(), sni);
  // A refused STARTTLS keeps SMTP and raises smtp.tls_rejected.
  const l2txs: AppTx[] = [];
  const l2 = new AppLayer(1, (_s, tx) => { l2txs.push(tx); });
  const f2 = (ts: boolean, s: string): void => { const b = Buffer.from(s, 'latin1'); l2.data(0, ts, b, 0, b.length, 40000, 25); };
  f2(false, '220 mx\r\n'); f2(true, 'EHLO a\r\nSTARTTLS\r\n'); f2(false, '250 mx\r\n454 4.7.0 TLS not available\r\n'); f2(true, 'QUIT\r\n');
  l2.finish(0);
  assert.equal(l2.name(0), 'smtp');
  assert.ok(l2txs[0].events.includes('smtp.tls_rejected'));
});

test('smtp: DATA is dot-unstuffed and kept up to 1 MiB; BDAT chunks are body; pipelined replies match their commands', () => {
  const txs: SmtpTx[] = [];
  const layer = new AppLayer(1, (_s, tx) => { if (!txs.includes(tx as SmtpTx)) txs.push(tx as SmtpTx); });
  const f = (ts: boolean, s: string): void => { const b = Buffer.from(s, 'latin1'); layer.data(0, ts, b, 0, b.length, 40000, 25); };
  f(false, '220 mx\r\n');
  f(true, 'EHLO a\r\n'); f(false, '250-mx\r\n250 PIPELINING\r\n');
  // Pipelined group (RFC 2920): the body follows at once, split across chunks mid-line.
  f(true, 'MAIL FROM:<a@x> SIZE=10\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@z>\r\nDATA\r\nSubject: t\r\n\r\n..leading dot\r\nli');
  f(true, 'ne two\r\n.\r\n');
  f(false, '250 ok\r\n250 ok\r\n550 no\r\n354 go\r\n250 queued\r\n');
  f(true, 'MAIL FROM:<d@x>\r\nRCPT TO:<e@y>\r\nBDAT 5\r\nab\r\ncBDAT 3 LAST\r\n.\r\n');
  f(false, '250 ok\r\n250 ok\r\n250 5 octets\r\n250 done\r\n');
  f(false, '250 unexpected\r\n');
  layer.finish(0);
  assert.equal(txs.length, 2);
  assert.equal(Buffer.from(txs[0].mailFrom!).toString(), '<a@x>', 'SIZE= parameter after the space is not part of mail_from');
  assert.deepEqual(txs[0].rcptTo.map((r) => Buffer.from(r).toString()), ['<b@y>', '<c@z>']);
  assert.equal(Buffer.from(txs[0].message()).toString(), 'Subject: t\r\n\r\n.leading dot\r\nline two\r\n');
  assert.equal(Buffer.from(txs[1].message()).toString(), 'ab\r\nc.\r\n', 'BDAT: binary, not unstuffed');
  assert.ok(txs[1].events.includes('smtp.unable_to_match_reply_with_request') || txs[0].events.length === 0);
  const big: SmtpTx[] = [];
  const l2 = new AppLayer(1, (_s, tx) => { if (!big.includes(tx as SmtpTx)) big.push(tx as SmtpTx); });
  const g = (ts: boolean, s: string): void => { const b = Buffer.from(s, 'latin1'); l2.data(0, ts, b, 0, b.length, 40000, 25); };
  g(false, '220 mx\r\n'); g(true, 'HELO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n'); g(false, '250 a\r\n250 b\r\n250 c\r\n354 d\r\n');
  const line = 'x'.repeat(998) + '\r\n';
  for (let i = 0; i < 1100; i++) g(true, line);
  g(true, '.\r\n');
  assert.equal(big[0].bodyLen, 1 << 20);
  assert.equal(big[0].bodyTotal, 1100 * 1000);
  assert.equal(big[0].progress, TO_SERVER | TO_CLIENT);
});

/** Per tshark: the FTP commands [verb, argument] and PASV/EPSV ports of a capture. */
function ftpOracle(pcap: string): { cmds: string[]; ports: number[] } {
  const cmds = tshark(['-r', pcap, '-Y', 'ftp.request.command', '-T', 'fields', '-e', 'ftp.request.command', '-e', 'ftp.request.arg']).split('\n').filter(Boolean).map((l) => l.replace(/\t$/, ''));
  const ports = tshark(['-r', pcap, '-Y', 'ftp.response.code == 227 || ftp.response.code == 229', '-T', 'fields', '-e', 'ftp.passive.port', '-e', 'ftp.epsv.port'])
    .split('\n').filter(Boolean).map((l) => Number(l.split('\t').find((x) => x !== '')));
  return { cmds, ports };
}

test('ftp: one transaction per command with the verb/argument tshark decodes; PASV/EPSV dynamic ports equal tshark\'s', () => {
  for (const name of ['ftp-transfer', 'ftp-ipv6', 'ftp-ipv6-data']) {
    const pcap = join(SEEDS, name + '.pcap');
    const evs = run(pcap, [
      'alert ftp any any -> any any (msg:"every command"; flow:to_server; ftp.command; content:""; sid:1;)',
      'alert ftp any any -> any any (msg:"passive"; ftp.completion_code; content:"22"; startswith; ftp.reply; content:"Passive"; nocase; sid:2;)',
      'alert ftp any any -> any any (msg:"retr"; ftp.command; content:"RETR"; ftp.command_data; content:"."; sid:3;)',
    ].join('\n').replace('content:""; ', 'bsize:>0; '), ['--set', 'stream.midstream=true']);
    const o = ftpOracle(pcap);
    const got = alerts(evs, 1).map((e) => [e.ftp!.command, e.ftp!.command_data].filter((x) => x !== undefined).join('\t'));
    assert.deepEqual(got.sort(), o.cmds.sort(), `${name}: commands`);
    const ports = alerts(evs, 2).map((e) => e.ftp!.dynamic_port as number);
    assert.deepEqual(ports.sort(), o.ports.sort(), `${name}: passive ports`);
    assert.equal(alerts(evs, 3).length, o.cmds.filter((c) => c.startsWith('RETR\t')).length, `${name}: RETR`);
    for (const e of alerts(evs, 2)) assert.equal(e.ftp!.reply_received, 'yes');
  }
});

test('ftpbounce: PORT naming the client itself does not alert; the same capture with the client renumbered does', () => {
  const pcap = join(SEEDS, 'ftp-ipv6-data.pcap');
  const rule = 'alert tcp any any -> any 21 (msg:"GPL FTP PORT bounce attempt"; flow:to_server,established; content:"PORT"; nocase; ftpbounce; pcre:"/^PORT/smi"; sid:2103441;)';
  const ports = tshark(['-r', pcap, '-Y', 'ftp.request.command == "PORT"', '-T', 'fields', '-e', 'ftp.active.cip']).split('\n').filter(Boolean);
  assert.ok(ports.length > 0 && ports.every((ip) => ip === '192.168.0.13'), 'the PORT commands name the client 192.168.0.13');
  assert.equal(alerts(run(pcap, rule), 2103441).length, 0);
  const tmp = mkdtempSync(join(tmpdir(), 'fennec-bounce-'));
  try {
    // tcprewrite renumbers the client in the IP headers only: its PORT commands now name another host.
    const out = join(tmp, 'bounce.pcap');
    execFileSync('tcprewrite', ['--infile', pcap, '--outfile', out, '--srcipmap=192.168.0.13/32:192.168.0.99/32', '--dstipmap=192.168.0.13/32:192.168.0.99/32', '--fixcsum'], { stdio: 'ignore' });
    assert.equal(alerts(run(out, rule), 2103441).length, ports.length, 'one alert per bouncing PORT');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('ftp/smtp probes: a PORT/USER command line is never taken for an HTTP request; to-client "220" needs an SMTP/FTP port', async () => {
  const { probeTcp } = await import('../../sensor/app/probe.js');
  const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
  const p = (s: string, ts: boolean, sp: number, dp: number): number => { const x = b(s); return probeTcp(x, 0, x.length, ts, sp, dp); };
  assert.equal(p('USER anonymous\r\n', true, 40000, 2121), AppProto.FTP);
  assert.equal(p('EHLO x\r\n', true, 40000, 8080), AppProto.SMTP);
  assert.equal(p('220 mail ESMTP\r\n', false, 25, 40000), AppProto.SMTP);
  assert.equal(p('220 (vsFTPd 3.0.3)\r\n', false, 2121, 40000), AppProto.FTP);
  assert.equal(p('220 hello there\r\n', false, 8080, 40000), AppProto.FAILED);
  assert.equal(p('GET / HTTP/1.1\r\n', true, 40000, 80), AppProto.HTTP);
  void TO_CLIENT;
});

test('ftp-data: the connections PORT/PASV announced are ftp-data flows, the same tshark marks; alert ftp-data fires only there', () => {
  for (const name of ['ftp-transfer', 'ftp-ipv6-data']) {
    const pcap = join(SEEDS, name + '.pcap');
    const evs = run(pcap, 'alert ftp-data any any -> any any (msg:"data"; flow:established; content:"e"; sid:7;)', ['--set', 'stream.midstream=true']);
    const pair = (a: number, b: number): string => [a, b].sort((x, y) => x - y).join('-');
    const want = new Set(tshark(['-r', pcap, '-Y', 'ftp-data', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport']).split('\n').filter(Boolean)
      .map((l) => { const [a, b] = l.split('\t').map(Number); return pair(a, b); }));
    assert.ok(want.size > 0);
    const got = new Set(evs.filter((e) => e.event_type === 'flow' && e.app_proto === 'ftp-data').map((e) => pair(e.src_port as number, e.dest_port as number)));
    assert.deepEqual([...got].sort(), [...want].sort(), `${name}: ftp-data flows`);
    const a = alerts(evs, 7);
    assert.ok(a.length > 0 && a.every((e) => want.has(pair(e.src_port as number, e.dest_port as number))), `${name}: ftp-data rule on data flows only`);
  }
});

test('ftp: a multi-line reply keeps at most MAX_REPLY_LINES lines and still ends at its closing line', async () => {
  const { FtpState, MAX_REPLY_LINES } = await import('../../sensor/app/ftp/state.js');
  const done: Array<{ replies: Uint8Array[]; codes: Uint8Array[] }> = [];
  const st = new FtpState((tx, dir) => { if (dir === 2) done.push(tx as unknown as { replies: Uint8Array[]; codes: Uint8Array[] }); });
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  // A banner continued by 10,000 lines (a server streaming text inside "220-"), then its end.
  st.feed(enc('220-welcome\r\n'), 0, 13, false);
  const body = enc('x'.repeat(30) + '\r\n');
  for (let i = 0; i < 10000; i++) st.feed(body, 0, body.length, false);
  const end = enc('220 ready\r\n');
  st.feed(end, 0, end.length, false);
  assert.equal(done.length, 1, 'the reply ended at "220 ready"');
  assert.equal(done[0].replies.length, MAX_REPLY_LINES);
  assert.equal(new TextDecoder().decode(done[0].replies[0]), 'welcome');
  assert.equal(new TextDecoder().decode(done[0].codes[0]), '220');
});

test('ftp-data over IPv6: the connections EPSV and EPRT (|2|) announced are ftp-data flows', () => {
  const pcap = join(SEEDS, 'ftp-ipv6.pcap');
  // Oracle: the ports tshark decodes from the 229 replies (server side) and the EPRT commands (client side).
  const rows = tshark(['-r', pcap, '-Y', 'ftp.request.command == "EPRT" || ftp.response.code == 229', '-T', 'fields', '-e', 'ftp.request.arg', '-e', 'ftp.response.arg'])
    .split('\n').filter(Boolean);
  const ports = rows.map((l) => { const m = /\|(\d+)\|\)?\s*$/.exec(l.trim()); return m ? Number(m[1]) : -1; });
  assert.equal(ports.length, 5);
  assert.ok(ports.every((p) => p > 0));
  const evs = run(pcap, 'alert ftp-data any any -> any any (msg:"data"; flow:established; content:"e"; sid:7;)', ['--set', 'stream.midstream=true']);
  const data = evs.filter((e) => e.event_type === 'flow' && e.app_proto === 'ftp-data');
  const serverPorts = data.map((e) => e.dest_port as number).sort((a, b) => a - b);
  assert.deepEqual(serverPorts, [...ports].sort((a, b) => a - b), 'one ftp-data flow per announced port, that port its server side');
  assert.equal(alerts(evs, 7).length, 5);
});
