// The livestream module's own words, in the interface languages the pages offer.
import { uiLang } from '/static/i18n.js';

const STRINGS = {
  en: {
    source: 'Video source', camera: 'Camera', screen: 'Screen', mic: 'Microphone', no_mic: 'No microphone',
    go_live: 'Go live', end: 'End stream', preview: 'Preview',
    idle: 'Not live', connecting: 'Connecting…', live: 'Live', reconnecting: 'Connection lost — reconnecting…',
    ended: 'Stream ended', failed: 'Could not go live: {why}', no_device: 'No camera or screen available: {why}',
    obs: 'Stream from OBS', obs_server: 'Server', obs_key: 'Stream key', show_key: 'Show key', hide_key: 'Hide key',
    rotate: 'New stream key', rtmp_off: 'RTMP ingest is not available on this server.',
    offline: 'Offline', viewers: '{n} watching', codec_note: 'Sending {codec}',
    inquire: 'Inquire about this moment', inquiry_msg: 'Your question', email: 'E-mail',
    consent: 'The supplier may contact me about this inquiry', send: 'Send inquiry', sent: 'Inquiry sent. The supplier will reply by e-mail.',
    at: 'at {time}', loading: 'Loading…', not_found: 'This recording is not available.',
  },
  zh: {
    source: '视频来源', camera: '摄像头', screen: '屏幕', mic: '麦克风', no_mic: '不使用麦克风',
    go_live: 'Go live', end: 'End stream', preview: '预览',
    idle: '未直播', connecting: '正在连接…', live: '直播中', reconnecting: '连接中断 — 正在重连…',
    ended: '直播已结束', failed: '无法开始直播：{why}', no_device: '没有可用的摄像头或屏幕：{why}',
    obs: '使用 OBS 推流', obs_server: '服务器', obs_key: '推流密钥', show_key: '显示密钥', hide_key: '隐藏密钥',
    rotate: '更换推流密钥', rtmp_off: '此服务器未启用 RTMP 推流。',
    offline: '未直播', viewers: '{n} 人观看', codec_note: '编码 {codec}',
    inquire: '咨询此刻的产品', inquiry_msg: '您的问题', email: '电子邮件',
    consent: '供应商可以就此询盘与我联系', send: '发送询盘', sent: '询盘已发送，供应商将通过电子邮件回复。',
    at: '于 {time}', loading: '加载中…', not_found: '此录像不可用。',
  },
  es: {
    source: 'Fuente de vídeo', camera: 'Cámara', screen: 'Pantalla', mic: 'Micrófono', no_mic: 'Sin micrófono',
    go_live: 'Go live', end: 'End stream', preview: 'Vista previa',
    idle: 'Sin emitir', connecting: 'Conectando…', live: 'En vivo', reconnecting: 'Conexión perdida — reconectando…',
    ended: 'Emisión finalizada', failed: 'No se pudo emitir: {why}', no_device: 'No hay cámara ni pantalla: {why}',
    obs: 'Emitir desde OBS', obs_server: 'Servidor', obs_key: 'Clave de emisión', show_key: 'Mostrar clave', hide_key: 'Ocultar clave',
    rotate: 'Nueva clave de emisión', rtmp_off: 'La ingesta RTMP no está disponible en este servidor.',
    offline: 'Sin conexión', viewers: '{n} viendo', codec_note: 'Enviando {codec}',
    inquire: 'Consultar sobre este momento', inquiry_msg: 'Su pregunta', email: 'Correo electrónico',
    consent: 'El proveedor puede contactarme sobre esta consulta', send: 'Enviar consulta', sent: 'Consulta enviada. El proveedor responderá por correo.',
    at: 'a las {time}', loading: 'Cargando…', not_found: 'Esta grabación no está disponible.',
  },
};

// "Go live" / "End stream" stay in English everywhere: they are the controls' stable accessible
// names (tests and assistive-tech scripts find them by name).
export function lt(key, vars = {}) {
  const table = STRINGS[uiLang()] || STRINGS.en;
  const s = table[key] ?? STRINGS.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}
