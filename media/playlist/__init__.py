"""HLS playlists rendered by the server from ffmpeg's per-run playlists."""
