/**
 * Community ID v1 on every flow record agrees with Wireshark's own implementation (tshark's
 * `communityid` post-dissector) on every corpus and seed capture: each id tshark computes for
 * a frame is the id of one of our flows, and each of our outermost TCP/UDP/ICMP/ICMPv6 flows
 * has an id tshark computed.
 *
 * Documented differences:
 * - For a tunnelled frame tshark computes one id, of the innermost layer; we have one flow per
 *   layer. So the outer flows of VXLAN/Geneve/Teredo (UDP 4789/6081/3544) and GRE are not
 *   expected among tshark's ids; the inner ones are checked through the first condition.
 * - For a packet whose innermost header is IPv6 "No Next Header" (59), tshark's id differs from
 *   the specification's rule for protocols without ports (addresses + protocol); ours follows
 *   the specification, checked against its own baseline in community-id-vectors.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { findCaptures, pool, tsharkFields, SHARED } from '../capture/oracle.js';
import { flowsOf } from '../helpers/layers.js';

const files = [...findCaptures(path.join(SHARED, 'corpus')), ...findCaptures(path.join(SHARED, 'bench/seeds'))];

test(`Community ID agrees with tshark on ${files.length} captures`, async () => {
  const problems: string[] = [];
  let ids = 0;
  await pool(files, 2, async (file) => {
    const [rows, recs] = await Promise.all([tsharkFields(file, ['communityid', 'ipv6.nxt'], ['--enable-protocol', 'communityid']), flowsOf([file])]);
    const theirs = new Set<string>();
    const noNextHeader = new Set<string>();
    for (const r of rows) {
      const nxt = (r[1] ?? '').split(',');
      for (const id of (r[0] ?? '').split(',')) {
        if (!id) continue;
        theirs.add(id);
        if (nxt[nxt.length - 1] === '59') noNextHeader.add(id);
      }
    }
    const ours = new Set(recs.map((r) => r.community_id));
    for (const id of theirs) if (!ours.has(id) && !noNextHeader.has(id)) problems.push(`${path.basename(file)}: tshark ${id} is no flow's id`);
    for (const r of recs) {
      if (r.tunnel_depth !== 0 || ![6, 17, 1, 58].includes(r.proto)) continue;
      const carrier = r.proto === 17 && [4789, 6081, 3544].some((p) => r.src_port === p || r.dest_port === p);
      if (carrier) continue;
      ids++;
      if (!theirs.has(r.community_id)) problems.push(`${path.basename(file)}: flow ${r.src_ip}:${r.src_port} -> ${r.dest_ip}:${r.dest_port}/${r.proto} id ${r.community_id} not computed by tshark`);
    }
  });
  if (problems.length) console.log(problems.slice(0, 30).join('\n'));
  assert.equal(problems.length, 0, `${problems.length} disagreements (first: ${problems[0]})`);
  console.log(`# ${ids} outermost flows' Community IDs equal tshark's`);
});
