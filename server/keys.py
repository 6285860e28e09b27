"""Typed application keys: a typo is a type error, not a KeyError at run time."""

from __future__ import annotations

import socketio
from aiohttp import web
from redis.asyncio import Redis

from rooms.auth import Tokens
from rooms.context import Fair
from rooms.db import Database
from server.connections import Connections
from server.fanout import ChatFanout
from server.metrics import Metrics
from server.settings import Settings
from server.webhook_sender import WebhookSender
from translation.api import Translator

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
REDIS = web.AppKey("redis", Redis)
TOKENS = web.AppKey("tokens", Tokens)
TRANSLATOR = web.AppKey("translator", Translator)
FAIR = web.AppKey("fair", Fair)
SIO = web.AppKey("sio", socketio.AsyncServer)
FANOUT = web.AppKey("fanout", ChatFanout)
CONNECTIONS = web.AppKey("connections", Connections)
WEBHOOK_SENDER = web.AppKey("webhook_sender", WebhookSender)
METRICS = web.AppKey("metrics", Metrics)
