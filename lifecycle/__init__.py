"""Owning background tasks: what every layer (server, rooms, translation, media) uses to stop the
tasks it started, within a deadline."""
