/**
 * File buffers (file.data, file.name) exist in several protocols (HTTP bodies, SMTP MIME
 * attachments). The rule header picks the protocol: `alert smtp ... file.data` inspects the
 * SMTP transaction's files; any other header keeps HTTP (as before SMTP existed; Suricata
 * would also inspect SMTP files for an `alert tcp` file.data rule — not done here).
 */
import { stickyBuffer, type BufferDef } from './app-buffer.js';
import type { Keyword } from './keyword.js';
import { AppProto } from '../../sensor/app/types.js';

export function fileBuffer(def: BufferDef): Keyword {
  const smtp = stickyBuffer({ ...def, proto: AppProto.SMTP });
  // Registered last: BUFFER_DEFS keeps the HTTP definition for pcre modifiers.
  const http = stickyBuffer(def);
  return { ...http, parse(v, b) { return (b.rule.proto.app === 'smtp' ? smtp : http).parse(v, b); } };
}
