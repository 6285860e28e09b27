// One client_id per thing the user is sending, kept until the server acknowledges it. When the
// network drops between the server's commit and its ack, the page says "try again"; the retry is
// then the same chat line or inquiry, which the server answers with the stored one instead of
// storing a copy (docs/protocol.md, "Duplicate sends").

export function newClientId() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export class PendingSend {
  constructor() {
    this.key = null; // what is being sent (its text, or its form as JSON)
    this.id = null;
  }

  /** The client_id for sending `key`: the same as last time while `key` is unchanged and unacknowledged. */
  idFor(key) {
    if (key !== this.key) {
      this.key = key;
      this.id = newClientId();
    }
    return this.id;
  }

  /** The server has it: the next send is a new one. */
  done(id) {
    if (id === this.id) {
      this.key = null;
      this.id = null;
    }
  }

  /** Whether `id` is the client_id of the send still waiting for its ack. */
  waitingFor(id) { return id != null && id === this.id; }
}

/**
 * The chat line in a box, kept in this tab (sessionStorage) with its client_id until the server
 * has it. A reload, or signing in again after the session ended, brings back what was typed; and
 * a line the server stored though its ack was lost goes again under the same client_id, so the
 * server answers with the stored one instead of a copy.
 */
export class KeptDraft extends PendingSend {
  constructor(input, name) {
    super();
    this.input = input;
    this.storageKey = `boothcast.draft.${name}`;
    const saved = readJson(this.storageKey);
    if (typeof saved?.text === 'string' && saved.text && !input.value) {
      input.value = saved.text;
      if (typeof saved.clientId === 'string') {
        this.key = saved.text.trim();
        this.id = saved.clientId;
      }
    }
    input.addEventListener('input', () => this.save());
  }

  idFor(key) {
    const id = super.idFor(key);
    this.save();
    return id;
  }

  /** Keep the box's text (and the client_id of the line being sent, while it is that line). */
  save() {
    const text = this.input.value;
    const clientId = this.id && this.key === text.trim() ? this.id : null;
    storeJson(this.storageKey, text.trim() ? { text, clientId } : null);
  }
}

/** Keep `value` as JSON in this tab under `key` (null: forget it). */
export function storeJson(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or refused (private mode): the draft is only not kept.
  }
}

/** A JSON value this tab stored under `key`, or null. */
export function readJson(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) || 'null');
  } catch {
    return null;
  }
}
