/** Child process for persist.test.ts: `write DIR` stores the fixture flows; `read DIR` prints stored flow ids as JSON. */
import { openStore } from '../../sensor/output/clickhouse.js';
import { fixtureFlows } from './fixture.js';

const [mode, dir] = process.argv.slice(2);
// `node --test dist/test/store/` also loads this file (every .js under test/ counts): without arguments it does nothing.
if ((mode !== 'write' && mode !== 'read') || dir === undefined) process.exit(0);
const store = await openStore({ kind: 'embedded', dataDir: `${dir}/db`, spoolDir: `${dir}/spool`, database: 'fennec_p', ttlDays: 15000 });
if (mode === 'write') {
  store.insertFlows(fixtureFlows());
  await store.close();
} else {
  const rs = await store.client.query({ query: 'SELECT toString(flow_id) AS id, toString(bytes_toserver) AS b FROM fennec_p.flows FINAL ORDER BY id', format: 'JSONEachRow' });
  process.stdout.write(JSON.stringify({ rows: await rs.json(), migrations: store.stats().migrations }));
  await store.close();
}
