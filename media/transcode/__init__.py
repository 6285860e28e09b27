"""The ffmpeg child processes that turn an ingest into HLS segments."""
