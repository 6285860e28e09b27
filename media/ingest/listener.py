"""Which process listens on a TCP port: so a readiness probe knows it reached *our* child.

Connecting to a port only proves that somebody listens there. With two fairs on one host, the
second fair's nginx fails to bind the port the first one holds, while its probe happily connects
to the first fair's nginx; OBS would then stream to the wrong fair. Linux tells us who owns a
listening socket: its inode is in /proc/net/tcp{,6}, and in /proc/PID/fd of its holders.
"""

from __future__ import annotations

import os
from pathlib import Path

_LISTEN = "0A"  # TCP state in /proc/net/tcp
_PROC = Path("/proc")


def listening_inodes(port: int, proc: Path = _PROC) -> set[int] | None:
    """Inodes of the sockets listening on `port` (any address); None where /proc cannot tell."""
    tables = [proc / "net" / name for name in ("tcp", "tcp6")]
    if not any(t.exists() for t in tables):
        return None
    found: set[int] = set()
    for table in tables:
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) < 10 or cols[3] != _LISTEN:
                continue
            if int(cols[1].rsplit(":", 1)[1], 16) == port:
                found.add(int(cols[9]))
    return found


def socket_inodes(pid: int, proc: Path = _PROC) -> set[int]:
    """Inodes of the sockets a process holds open (empty if it is gone)."""
    out: set[int] = set()
    fd_dir = proc / str(pid) / "fd"
    try:
        names = os.listdir(fd_dir)
    except OSError:
        return out
    for name in names:
        try:
            target = os.readlink(fd_dir / name)
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(int(target[8:-1]))
    return out


def listens_on(pid: int, port: int, proc: Path = _PROC) -> bool | None:
    """True if `pid` holds a socket listening on `port`; None where this cannot be known."""
    listeners = listening_inodes(port, proc)
    if listeners is None:
        return None
    return bool(listeners & socket_inodes(pid, proc))
