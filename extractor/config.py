"""Limits and defaults shared by every entry point, in one place. Built at the edges (CLI, service, tests) and
passed down; library code never reads the environment."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Per-document limits.

    ``max_bytes``: the largest input file; ``batch_timeout`` / ``service_timeout``: seconds one document may take
    in ``xxgk extract`` / ``xxgk serve`` (OCR takes about 8 s a page); ``memory_mb``: the data segment (heap and
    private mappings, ``RLIMIT_DATA``) each worker process may grow to; ``None`` leaves it unlimited.
    """

    max_bytes: int = 50 * MIB
    batch_timeout: float = 600.0
    service_timeout: float = 300.0
    memory_mb: int | None = 3072


LIMITS = Limits()
