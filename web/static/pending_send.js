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
