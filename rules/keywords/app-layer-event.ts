import { docUrl, type Keyword } from './keyword.js';
import { appSpec } from './app-buffer.js';
import { appProtoId } from '../../sensor/app/types.js';

/** app-layer-event:<proto>.<event>; an event the protocol parser raised on the transaction. */
export const appLayerEvent: Keyword = {
  name: 'app-layer-event', value: 'required',
  description: 'match on an app-layer parser event (e.g. http.missing_protocol)',
  url: docUrl('app-layer', 'app-layer-event'),
  parse(v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('app-layer-event'); return null; }
    const s = v!.trim();
    const dot = s.indexOf('.');
    if (dot <= 0) return `app-layer-event: expected proto.event, got "${s}"`;
    const id = appProtoId(s.slice(0, dot));
    if (id < 0) return `app-layer-event: protocol "${s.slice(0, dot)}" has no parser in Fennec`;
    const a = appSpec(b);
    if (a.proto !== 0 && a.proto !== id) return 'app-layer-event of another protocol';
    a.proto = id;
    a.events.push(s);
    return null;
  },
};
