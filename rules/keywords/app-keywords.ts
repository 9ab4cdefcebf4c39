/**
 * The app-layer keywords (sensor/app/ protocols), one file each; spread into THE keyword list
 * in index.ts by one line so app-layer additions do not touch the packet keyword list.
 */
import type { Keyword } from './keyword.js';
import { httpUri, httpUriModifier } from './http-uri.js';
import { httpUriRaw, httpUriRawModifier } from './http-uri-raw.js';
import { httpMethod, httpMethodModifier } from './http-method.js';
import { httpRequestLine } from './http-request-line.js';
import { httpProtocol } from './http-protocol.js';
import { httpHost, httpHostModifier } from './http-host.js';
import { httpHostRaw, httpHostRawModifier } from './http-host-raw.js';
import { httpUserAgent, httpUserAgentModifier } from './http-user-agent.js';
import { httpCookie, httpCookieModifier } from './http-cookie.js';
import { httpReferer } from './http-referer.js';
import { httpAccept } from './http-accept.js';
import { httpAcceptEnc } from './http-accept-enc.js';
import { httpAcceptLang } from './http-accept-lang.js';
import { httpConnection } from './http-connection.js';
import { httpContentType } from './http-content-type.js';
import { httpContentLen } from './http-content-len.js';
import { httpHeader, httpHeaderModifier } from './http-header.js';
import { httpHeaderRaw, httpHeaderRawModifier } from './http-header-raw.js';
import { httpHeaderNames } from './http-header-names.js';
import { httpStart } from './http-start.js';
import { httpRequestBody, httpRequestBodyModifier } from './http-request-body.js';
import { httpStatCode, httpStatCodeModifier } from './http-stat-code.js';
import { httpStatMsg, httpStatMsgModifier } from './http-stat-msg.js';
import { httpResponseLine } from './http-response-line.js';
import { httpServer } from './http-server.js';
import { httpLocation } from './http-location.js';
import { httpResponseBody, httpResponseBodyModifier } from './http-response-body.js';
import { fileData } from './file-data.js';
import { dnsQuery } from './dns-query.js';
import { dnsAnswerName } from './dns-answer-name.js';
import { tlsSni } from './tls-sni.js';
import { tlsCertSubject } from './tls-cert-subject.js';
import { tlsCertIssuer } from './tls-cert-issuer.js';
import { tlsCertSerial } from './tls-cert-serial.js';
import { tlsCertFingerprint } from './tls-cert-fingerprint.js';
import { tlsCerts } from './tls-certs.js';
import { ja3Hash } from './ja3-hash.js';
import { ja3String } from './ja3-string.js';
import { ja3sHash } from './ja3s-hash.js';
import { ja3sString } from './ja3s-string.js';
import { ja4Hash } from './ja4-hash.js';
import { sshProto } from './ssh-proto.js';
import { sshSoftware } from './ssh-software.js';
import { sshHassh } from './ssh-hassh.js';
import { sshHasshString } from './ssh-hassh-string.js';
import { sshHasshServer } from './ssh-hassh-server.js';
import { sshHasshServerString } from './ssh-hassh-server-string.js';
import { bsize } from './bsize.js';
import { urilen } from './urilen.js';
import { dotprefix } from './dotprefix.js';
import { OPTION_TRANSFORMS, TRANSFORMS } from './transforms.js';
import { httpRequestHeader, httpResponseHeader } from './http-request-header.js';
import { TLS_RANDOM_KEYWORDS } from './tls-random.js';
import { dnsOpcode } from './dns-opcode.js';
import { dnsRrtype } from './dns-rrtype.js';
import { appLayerProtocol } from './app-layer-protocol.js';
import { appLayerEvent } from './app-layer-event.js';
import { http2Frametype } from './http2-frametype.js';
import { http2Errorcode } from './http2-errorcode.js';
import { http2Priority } from './http2-priority.js';
import { http2Window } from './http2-window.js';
import { http2SizeUpdate } from './http2-size-update.js';
import { http2Settings } from './http2-settings.js';
import { http2HeaderName } from './http2-header-name.js';
import { http2Header } from './http2-header.js';
import { MAIL_KEYWORDS } from './mail-keywords.js';

export const APP_KEYWORDS: readonly Keyword[] = [
  httpUri, httpUriModifier, httpUriRaw, httpUriRawModifier, httpMethod, httpMethodModifier, httpRequestLine, httpProtocol, httpHost, httpHostModifier, httpHostRaw, httpHostRawModifier, httpUserAgent, httpUserAgentModifier, httpCookie, httpCookieModifier, httpReferer, httpAccept, httpAcceptEnc, httpAcceptLang, httpConnection, httpContentType, httpContentLen, httpHeader, httpHeaderModifier, httpHeaderRaw, httpHeaderRawModifier, httpHeaderNames, httpStart, httpRequestBody, httpRequestBodyModifier, httpStatCode, httpStatCodeModifier, httpStatMsg, httpStatMsgModifier, httpResponseLine, httpServer, httpLocation, httpResponseBody, httpResponseBodyModifier, fileData, dnsQuery, dnsAnswerName, tlsSni, tlsCertSubject, tlsCertIssuer, tlsCertSerial, tlsCertFingerprint, tlsCerts, ja3Hash, ja3String, ja3sHash, ja3sString, ja4Hash, sshProto, sshSoftware, sshHassh, sshHasshString, sshHasshServer, sshHasshServerString,
  ...TRANSFORMS, ...OPTION_TRANSFORMS, ...TLS_RANDOM_KEYWORDS, httpRequestHeader, httpResponseHeader, bsize, urilen, dotprefix, dnsOpcode, dnsRrtype, appLayerProtocol, appLayerEvent, ...MAIL_KEYWORDS,
  http2Frametype, http2Errorcode, http2Priority, http2Window, http2SizeUpdate, http2Settings, http2HeaderName, http2Header,
];
