"""One booth's members on one node, counted per language as they come and go."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BoothPresence:
    viewers: int
    languages: dict[str, int] = field(default_factory=dict)
    # True while the counts may miss members of other nodes (Redis down, or just restarted and
    # not every node has registered its members again): the best answer this node has.
    stale: bool = False


class Members:
    """One booth's members on this node, with a running count per language.

    Counting the languages on every read cost O(members) per join and per chat message (a join
    storm into a 5,000-viewer booth is quadratic); the counts are kept as members come and go.
    """

    __slots__ = ("by_member", "counts")

    def __init__(self) -> None:
        self.by_member: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    def add(self, member: str, lang: str) -> bool:
        """True if `member` is new (a member already present may change language)."""
        old = self.by_member.get(member)
        if old == lang:
            return False
        if old is not None:
            self._drop(old)
        self.by_member[member] = lang
        self.counts[lang] = self.counts.get(lang, 0) + 1
        return old is None

    def remove(self, member: str) -> bool:
        lang = self.by_member.pop(member, None)
        if lang is None:
            return False
        self._drop(lang)
        return True

    def _drop(self, lang: str) -> None:
        left = self.counts[lang] - 1
        if left > 0:
            self.counts[lang] = left
        else:
            del self.counts[lang]

    def __len__(self) -> int:
        return len(self.by_member)

    def presence(self, *, stale: bool = False) -> BoothPresence:
        return BoothPresence(len(self.by_member), dict(self.counts), stale)
