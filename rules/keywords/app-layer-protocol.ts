import { docUrl, type Keyword } from './keyword.js';
import { appSpec } from './app-buffer.js';
import { appProtoId } from '../../sensor/app/types.js';

/** app-layer-protocol:[!]<name>; the flow's detected app-layer protocol (or "failed"). */
export const appLayerProtocol: Keyword = {
  name: 'app-layer-protocol', value: 'required',
  description: 'match on the detected application layer protocol of the flow',
  url: docUrl('app-layer', 'app-layer-protocol'),
  parse(v, b) {
    if (!b.ctx.appLayer) { b.rule.needs.push('app-layer-protocol'); return null; }
    let s = v!.trim();
    const negated = s.startsWith('!');
    if (negated) s = s.slice(1).trim();
    const name = s.split(',')[0].trim();
    const id = appProtoId(name);
    if (id < 0) return `app-layer-protocol: protocol "${name}" is not detected by Fennec`;
    appSpec(b).protos.push({ proto: id, negated });
    return null;
  },
};
