// The signed-in user and the HTTP API.
// One session per browser (token + user, in localStorage): a buyer who signs in as staff in the
// console replaces the guest session, which is what a shared booth laptop wants.

import { rememberLang } from './i18n.js';

const KEY = 'boothcast.session';

/** {token, user} or null. */
export function getSession() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || 'null');
    return s && typeof s.token === 'string' && s.user ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  localStorage.setItem(KEY, JSON.stringify({ token: session.token, user: session.user }));
  if (session.user?.lang) rememberLang(session.user.lang);
}

export function clearSession() {
  try { localStorage.removeItem(KEY); } catch { /* nothing to clear */ }
}

const EXPIRED_KEY = 'boothcast.expired';

/** The server no longer takes this session's token: the sign-in form that follows says why. */
export function expireSession() {
  clearSession();
  try { sessionStorage.setItem(EXPIRED_KEY, '1'); } catch { /* the form just won't say why */ }
}

/** Whether the session just expired (once: the flag is taken). */
export function takeExpired() {
  try {
    const expired = sessionStorage.getItem(EXPIRED_KEY) === '1';
    sessionStorage.removeItem(EXPIRED_KEY);
    return expired;
  } catch {
    return false;
  }
}

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.error = error || { code: 'internal' };
  }
}

/** JSON request; throws ApiError with the server's {code, message} (or `network`). */
export async function api(path, { method = 'GET', body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { code: 'network', message: 'network error' });
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const error = { ...(data?.error || { code: `http_${res.status}` }) };
    if (res.status === 429 && error.retry_after === undefined) error.retry_after = Number(res.headers.get('Retry-After')) || undefined;
    throw new ApiError(res.status, error);
  }
  return data;
}

/** Download an authenticated URL as a file (a plain link can't carry the bearer token). */
export async function download(path, token, filename) {
  let res;
  try {
    res = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError(0, { code: 'network' });
  }
  if (!res.ok) {
    const data = await res.json().catch(() => null);
    throw new ApiError(res.status, data?.error);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
