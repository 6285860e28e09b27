"""Transport and wiring: the aiohttp app, the Socket.IO server, the CLI."""
