"""The livestream pipeline, plain asyncio + ffmpeg: no aiohttp, no socketio, no database.

The folders trace a stream's way through the server:

- `ingest/`    where bytes come from: browser MediaRecorder chunks (`browser.py`) or an RTMP
               publisher via a child nginx-rtmp (`rtmp.py`); `sniff.py` checks what arrived.
- `transcode/` the ffmpeg child process per ingest run (remux H.264, transcode VP8/VP9).
- `playlist/`  HLS playlists the server renders itself from ffmpeg's per-run playlists: a short
               live window, the growing recording, and the final VOD with `#EXT-X-ENDLIST`.
- `storage/`   where a session's files live, which names may be served, retention pruning.

`manager.py` ties them together: one `LivePipeline` per live session, grace periods for dropped
connections, and hooks the server uses to update the database and notify viewers.
"""
