import { docUrl, type Keyword } from './keyword.js';
import { appSpec } from './app-buffer.js';
import { appProtoId, TO_CLIENT, TO_SERVER } from '../../sensor/app/types.js';

/**
 * app-layer-protocol:[!]<name>[,to_server|to_client|either|direction]; the flow's detected
 * app-layer protocol (or "failed"); with a direction, the protocol detected in that
 * direction (Suricata 8: alproto_ts / alproto_tc).
 */
export const appLayerProtocol: Keyword = {
  name: 'app-layer-protocol', value: 'required',
  description: 'match on the detected application layer protocol of the flow',
  url: docUrl('app-layer', 'app-layer-protocol'),
  parse(v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('app-layer-protocol'); return null; }
    let s = v!.trim();
    const negated = s.startsWith('!');
    if (negated) s = s.slice(1).trim();
    const parts = s.split(',');
    const name = parts[0].trim();
    const mode = (parts[1] ?? '').trim();
    if (mode !== '' && mode !== 'to_server' && mode !== 'to_client' && mode !== 'either' && mode !== 'final' && mode !== 'original')
      return `app-layer-protocol: unsupported mode "${mode}"`;
    if (mode === 'original') return 'app-layer-protocol: mode "original" (protocol before a change) is not tracked by Fennec';
    const id = appProtoId(name);
    if (id < 0) return `app-layer-protocol: protocol "${name}" is not detected by Fennec`;
    appSpec(b).protos.push({ proto: id, negated, dir: mode === 'to_server' ? TO_SERVER : mode === 'to_client' ? TO_CLIENT : mode === 'either' ? TO_SERVER | TO_CLIENT : 0 });
    return null;
  },
};
