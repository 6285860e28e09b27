"""Every Socket.IO event name of the contract; `web/static/events.js` mirrors these (a test checks)."""

from __future__ import annotations

BOOTH_JOIN = "booth:join"
BOOTH_LEAVE = "booth:leave"
CHAT_SEND = "chat:send"
CHAT_PREVIEW = "chat:preview"
CHAT_HISTORY = "chat:history"
INQUIRY_SUBMIT = "inquiry:submit"
PRODUCT_PIN = "product:pin"
LEAD_UPDATE = "lead:update"
LEAD_NOTE = "lead:note"
MOD_WATCH = "mod:watch"
MOD_HIDE = "mod:hide"
MOD_MUTE = "mod:mute"
MOD_BAN = "mod:ban"
MOD_UNBAN = "mod:unban"
LOBBY_WATCH = "lobby:watch"
CHAT_REPORT = "chat:report"
SLOW_MODE_SET = "slow_mode:set"
MOD_HISTORY = "mod:history"

CHAT_MESSAGE = "chat:message"
CHAT_BATCH = "chat:batch"
CHAT_HIDDEN = "chat:hidden"
CHAT_RESYNC = "chat:resync"
LEAD_NEW = "lead:new"
LEAD_UPDATED = "lead:updated"
PRESENCE_UPDATE = "presence:update"
PRODUCT_PINNED = "product:pinned"
USER_MUTED = "user:muted"
USER_BANNED = "user:banned"
SESSION_ENDED = "session:ended"
ACCOUNT_UPDATED = "account:updated"
STREAM_STATE = "stream:state"
BOOTH_STATE = "booth:state"
MOD_MESSAGE = "mod:message"
MOD_BOOTHS = "mod:booths"
MOD_RESYNC = "mod:resync"
BOOTH_SLOW_MODE = "booth:slow_mode"
REPORT_NEW = "report:new"
REPORT_RESOLVED = "report:resolved"

CLIENT_EVENTS = (
    BOOTH_JOIN, BOOTH_LEAVE, CHAT_SEND, CHAT_PREVIEW, INQUIRY_SUBMIT, PRODUCT_PIN, LEAD_UPDATE,
    LEAD_NOTE, MOD_WATCH, MOD_HIDE, MOD_MUTE, MOD_BAN, MOD_UNBAN, LOBBY_WATCH, CHAT_HISTORY, CHAT_REPORT, SLOW_MODE_SET,
    MOD_HISTORY,
)  # fmt: skip
SERVER_EVENTS = (
    CHAT_MESSAGE, CHAT_BATCH, CHAT_HIDDEN, LEAD_NEW, LEAD_UPDATED, PRESENCE_UPDATE, PRODUCT_PINNED,
    USER_MUTED, USER_BANNED, SESSION_ENDED, ACCOUNT_UPDATED, STREAM_STATE, BOOTH_STATE, MOD_MESSAGE, MOD_BOOTHS, CHAT_RESYNC,
    BOOTH_SLOW_MODE, REPORT_NEW, REPORT_RESOLVED, MOD_RESYNC,
)  # fmt: skip
