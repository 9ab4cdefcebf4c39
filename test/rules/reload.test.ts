/**
 * Ruleset reload: a running pipeline swaps to a newly compiled ruleset between two packets
 * and keeps its flow state (a flowbit set under the old rules is seen by the new rules,
 * although the new file interns another bit first); a ruleset that fails to load is
 * rejected and the old one keeps alerting; POST /api/v1/rules/reload answers 200 / 422.
 * Real capture: one SMB flow of 6676 data packets (suricata-verify threshold case).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { buildPipeline } from '../../sensor/build.js';
import { DEFAULT_FLOW_CONFIG } from '../../sensor/flow/config.js';
import { openCaptureFiles, type FileBatch } from '../../sensor/capture/file.js';
import type { DetectSettings } from '../../rules/detect/stage.js';
import { createReloadSignal, RulesReloader } from '../../rules/reload.js';
import { registerRulesRoutes } from '../../api/rules.js';
import { SV } from './fixtures.js';

const PCAP = join(SV, 'threshold/threshold-rule-flow-backoff-single-flow/filecontainer-smb.pcap');

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'fennec-reload-'));
  const rules = join(dir, 'test.rules');
  writeFileSync(rules, 'alert tcp any any -> any any (dsize:>0; flowbits:set,seen; sid:1;)\n');
  const settings: DetectSettings = {
    paths: [rules], addressGroups: {}, portGroups: {}, classificationFile: null, packetAlertMax: 15,
    cacheDir: join(dir, 'cache'), checksumValidation: 'no', reloadSignal: createReloadSignal(),
  };
  const alerts: number[] = [];
  const built = buildPipeline({ flow: structuredClone(DEFAULT_FLOW_CONFIG), defrag: { timeoutSec: 60, memcap: 32 << 20, maxTrackers: 4096, maxFragsPerTracker: 256, policy: 'bsd' }, detect: settings },
    () => {}, (a) => alerts.push(a.signature_id));
  const reloader = new RulesReloader(settings);
  reloader.setCurrent(built.detect!.ruleset);
  return { dir, rules, settings, alerts, ...built, reloader };
}

/** Feeds the capture frame by frame, calling at(frameIndex) before each frame. */
async function feed(pipeline: ReturnType<typeof buildPipeline>['pipeline'], at: (i: number) => Promise<void> | void): Promise<number> {
  const src = openCaptureFiles([PCAP]);
  let i = 0;
  for (;;) {
    const b = src.next(0) as FileBatch | null;
    if (b === null) break;
    for (let k = 0; k < b.count; k++) {
      await at(i++);
      pipeline.processFrame(b.data, b.offset[k], b.caplen[k], b.wirelen[k], b.tsUs[k], b.linktype[k], 0, b.vlan[k]);
    }
  }
  pipeline.finish();
  return i;
}

test('reload swaps rules between packets and keeps flow state (flowbits set before, checked after)', async () => {
  const s = setup();
  try {
    const gen0 = s.reloader.generation;
    let swappedAt = -1, alertsBefore = 0;
    const total = await feed(s.pipeline, async (i) => {
      if (i !== 3000) return;
      alertsBefore = s.alerts.length;
      // The new file interns "other" first: without seeding, "seen" would move to slot 1.
      writeFileSync(s.rules, 'alert tcp any any -> any any (flowbits:isset,other; sid:3;)\n'
        + 'alert tcp any any -> any any (dsize:>0; flowbits:isset,seen; flowbits:noalert; sid:4;)\n'
        + 'alert tcp any any -> any any (dsize:>0; flowbits:isset,seen; sid:2;)\n');
      const r = await s.reloader.reload();
      assert.equal(r.ok, true, r.error);
      assert.equal(r.loaded, 3);
      assert.equal(r.generation, gen0 + 1);
      swappedAt = i;
    });
    assert.ok(total > 6000 && swappedAt === 3000);
    assert.ok(alertsBefore > 0 && s.alerts.slice(0, alertsBefore).every((x) => x === 1), 'only sid 1 before the swap');
    const after = s.alerts.slice(alertsBefore);
    assert.ok(after.length > 0, 'sid 2 alerts after the swap (the flowbit set under the old rules survived)');
    assert.ok(after.every((x) => x === 2), `only sid 2 after the swap, got ${[...new Set(after)]}`);
    assert.equal(s.detect!.reloads, 1);
    assert.deepEqual(s.reloader.swaps, { done: 1, failed: 0 });
    assert.equal(s.alerts.length, 6676, 'every data packet alerted exactly once, by the old or the new ruleset');
  } finally {
    s.detect!.detector.free();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a ruleset that fails to load is rejected and the old one keeps running', async () => {
  const s = setup();
  try {
    const gen0 = s.reloader.generation;
    await feed(s.pipeline, async (i) => {
      if (i === 100) {
        rmSync(s.rules);
        const r = await s.reloader.reload();
        assert.equal(r.ok, false);
        assert.match(r.error!, /ENOENT|no such file/);
        assert.equal(s.reloader.generation, gen0);
      }
      if (i === 200) {
        writeFileSync(s.rules, 'alert tcp any any -> any any (dsize:>0; nosuchkeyword; sid:9;)\n');
        const r = await s.reloader.reload();
        assert.equal(r.ok, false, 'a ruleset where nothing loads is rejected');
        assert.match(r.error!, /no rule of the new ruleset loads/);
      }
    });
    assert.equal(s.alerts.length, 6676);
    assert.ok(s.alerts.every((x) => x === 1));
    assert.equal(s.detect!.reloads, 0);
  } finally {
    s.detect!.detector.free();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('POST /api/v1/rules/reload: 200 with the new generation, 422 with the reason', async () => {
  const s = setup();
  const app = Fastify();
  registerRulesRoutes(app, s.reloader);
  try {
    writeFileSync(s.rules, 'alert tcp any any -> any any (dsize:>0; sid:5;)\nalert udp any any -> any any (sid:6;)\n');
    let res = await app.inject({ method: 'POST', url: '/api/v1/rules/reload' });
    assert.equal(res.statusCode, 200);
    const ok = res.json() as { ok: boolean; generation: number; loaded: number };
    assert.equal(ok.ok, true);
    assert.equal(ok.loaded, 2);
    rmSync(s.rules);
    res = await app.inject({ method: 'POST', url: '/api/v1/rules/reload' });
    assert.equal(res.statusCode, 422);
    const bad = res.json() as { ok: boolean; error: string; generation: number };
    assert.equal(bad.ok, false);
    assert.equal(bad.generation, ok.generation, 'a rejected reload does not bump the generation');
    assert.match(bad.error, /ENOENT|no such file/);
  } finally {
    await app.close();
    s.detect!.detector.free();
    rmSync(s.dir, { recursive: true, force: true });
  }
});
