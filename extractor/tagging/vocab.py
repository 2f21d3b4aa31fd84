"""The character vocabulary: one token per character, explicit tokens for newline, tab and space."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SPECIALS: tuple[str, ...] = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[NL]", "[TAB]", "[SP]")
_WHITESPACE = {"\n": "[NL]", "\t": "[TAB]", " ": "[SP]"}


@dataclass(frozen=True)
class CharVocab:
    tokens: tuple[str, ...]

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 1) -> CharVocab:
        counts = Counter(ch for text in texts for ch in text if ch not in _WHITESPACE)
        chars = sorted(ch for ch, n in counts.items() if n >= min_count and ch not in SPECIALS)
        return cls((*SPECIALS, *chars))

    @property
    def index(self) -> dict[str, int]:
        return _index(self.tokens)

    def encode(self, text: str) -> list[int]:
        """One id per character; unknown characters map to ``[UNK]``."""
        idx = self.index
        unk = idx["[UNK]"]
        return [idx.get(_WHITESPACE.get(ch, ch), unk) for ch in text]

    def __len__(self) -> int:
        return len(self.tokens)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(list(self.tokens), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> CharVocab:
        return cls(tuple(json.loads(path.read_text(encoding="utf-8"))))


_CACHE: dict[tuple[str, ...], dict[str, int]] = {}


def _index(tokens: tuple[str, ...]) -> dict[str, int]:
    if tokens not in _CACHE:
        _CACHE[tokens] = {t: i for i, t in enumerate(tokens)}
    return _CACHE[tokens]
