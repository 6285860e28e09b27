"""Where stream bytes enter the server: browser chunks over a WebSocket, or RTMP via nginx."""
