// Proves the native parts load on this machine: koffi, libc, chdb's engine.
// Exits non-zero with the reason when one does not.
import koffi from 'koffi';
const fail = (what, e) => { console.error(`setup: ${what} does not load: ${e?.message ?? e}`); process.exit(1); };
try { koffi.load('libc.so.6'); } catch (e) { fail('koffi/libc', e); }
try { await import('chdb/connection'); } catch (e) { fail('chdb', e); }
