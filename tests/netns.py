"""Separate hosts on one machine: a network namespace per host, each on a veth into one bridge.

The bridge lives in the root namespace with the subnet's first address, so the test process is a
client host of its own. Names carry a random tag and the subnet is picked among unused ones, so
parallel runs never collide; `close()` kills what still runs in the namespaces and removes them,
their links and the bridge, whatever state a failed test left them in.
"""

from __future__ import annotations

import ipaddress
import os
import random
import signal
import subprocess
import uuid
from dataclasses import dataclass

IP = "ip"


class NetnsUnavailable(RuntimeError):
    """This machine cannot make network namespaces (not root, no `ip`, no CAP_NET_ADMIN)."""


def _ip(*args: str) -> str:
    try:
        done = subprocess.run([IP, *args], capture_output=True, text=True, timeout=30)
    except FileNotFoundError as exc:
        raise NetnsUnavailable("no `ip` command: install Debian's iproute2") from exc
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


@dataclass(frozen=True)
class Host:
    name: str
    netns: str
    address: str
    link: str = "eth0"  # the host's end of its veth, inside its namespace

    def cmd(self, *args: str) -> list[str]:
        """`args` run inside this host's namespace (`ip netns exec` execs it: same pid)."""
        return [IP, "netns", "exec", self.netns, *args]

    def cut(self) -> None:
        """Unplug the host's cable: its processes live on, nothing reaches them or leaves."""
        _ip("-n", self.netns, "link", "set", self.link, "down")

    def plug(self) -> None:
        _ip("-n", self.netns, "link", "set", self.link, "up")


class Network:
    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex[:6]
        self.bridge = f"bc{self.tag}br"  # interface names have at most 15 characters
        self.subnet = _free_subnet()
        self.gateway = str(self.subnet.network_address + 1)  # the root namespace: the clients
        self.hosts: dict[str, Host] = {}
        self._veths: list[str] = []  # the root namespace's ends
        self._made_bridge = False

    def open(self) -> None:
        if os.geteuid() != 0:
            raise NetnsUnavailable("network namespaces need root (CI runs this test as root)")
        try:
            _ip("link", "add", self.bridge, "type", "bridge")
        except (OSError, RuntimeError) as exc:
            raise NetnsUnavailable(f"cannot make a bridge: {exc}") from exc
        self._made_bridge = True
        _ip("addr", "add", f"{self.gateway}/{self.subnet.prefixlen}", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")

    def add(self, name: str) -> Host:
        index = len(self.hosts) + 2
        host = Host(name, f"bc-{self.tag}-{name}", str(self.subnet.network_address + index))
        try:
            _ip("netns", "add", host.netns)
        except RuntimeError as exc:
            raise NetnsUnavailable(f"`ip netns add` failed: {exc}") from exc
        self.hosts[name] = host
        veth = f"bc{self.tag}v{index}"
        _ip("link", "add", veth, "type", "veth", "peer", "name", host.link, "netns", host.netns)
        self._veths.append(veth)
        _ip("link", "set", veth, "master", self.bridge, "up")
        _ip("-n", host.netns, "addr", "add", f"{host.address}/{self.subnet.prefixlen}", "dev", host.link)
        _ip("-n", host.netns, "link", "set", host.link, "up")
        _ip("-n", host.netns, "link", "set", "lo", "up")
        return host

    def heal(self) -> None:
        """Every cable plugged back in, so that what still runs can close its connections."""
        for host in self.hosts.values():
            try:
                host.plug()
            except RuntimeError:
                pass

    def close(self) -> None:
        """Best effort on every step: one that fails must not leave the others behind."""
        # A namespace outlives `ip netns del` while sockets of its killed processes linger
        # (orphans retransmitting to a peer that is gone), and with it its veth pair: deleting
        # our end removes both at once, so no link of this run stays behind in any case.
        for veth in self._veths:
            try:
                _ip("link", "del", veth)
            except RuntimeError:
                pass
        for host in self.hosts.values():
            try:
                pids = _ip("netns", "pids", host.netns).split()
            except RuntimeError:
                pids = []
            for pid in pids:  # only ever processes this test started in its own namespaces
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                _ip("netns", "del", host.netns)  # takes the host's veth pair with it
            except RuntimeError:
                pass
        if self._made_bridge:
            try:
                _ip("link", "del", self.bridge)
            except RuntimeError:
                pass


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 in 10.0.0.0/8 that no route of this machine uses (other runs' bridges included)."""
    used = [
        ipaddress.ip_network(line.split()[0], strict=False)
        for line in _ip("-4", "route", "show", "table", "all").splitlines()
        if line and line.split()[0][0].isdigit()
    ]
    rng = random.SystemRandom()
    for _ in range(100):
        net = ipaddress.IPv4Network(f"10.{rng.randrange(64, 250)}.{rng.randrange(1, 255)}.0/24")
        if not any(net.overlaps(u) for u in used if isinstance(u, ipaddress.IPv4Network)):
            return net
    raise NetnsUnavailable("no free /24 in 10.0.0.0/8")
