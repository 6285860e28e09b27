"""Where a session's media files live on disk, which of them may be served, and retention."""
