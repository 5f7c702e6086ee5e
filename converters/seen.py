"""Duplicate-ID detection in flat memory: an exact set for small files, a Bloom filter beyond."""

from __future__ import annotations

import hashlib
import struct

_UNPACK = struct.Struct("<7I").unpack


class SeenIds:
    """Exact set of seen IDs up to :attr:`EXACT_LIMIT`, then a fixed 16 MiB Bloom filter.

    With 7 hash positions the Bloom filter's false-positive rate stays below 10⁻⁹ up to a million
    IDs (about 10⁻⁶ at two million), so memory stops growing with the number of rows.
    """

    EXACT_LIMIT = 50_000
    BITS = 1 << 27
    HASHES = 7

    def __init__(self) -> None:
        self._exact: set[bytes] | None = set()
        self._bloom: bytearray | None = None

    @staticmethod
    def digest(value: str) -> bytes:
        """The fingerprint :meth:`add_digest` takes (computed where the ID is, e.g. in a worker)."""
        return hashlib.blake2b(value.encode("utf-8"), digest_size=4 * SeenIds.HASHES).digest()

    def _positions(self, digest: bytes) -> list[int]:
        mask = self.BITS - 1  # BITS is a power of two
        return [p & mask for p in _UNPACK(digest)]

    def add(self, value: str) -> bool:
        """Record ``value``; return ``True`` when it was (almost certainly) seen before."""
        return self.add_digest(self.digest(value))

    def add_digest(self, digest: bytes) -> bool:
        """Record a fingerprint from :meth:`digest`; ``True`` when it was seen before."""
        if self._exact is not None:
            if digest in self._exact:
                return True
            self._exact.add(digest)
            if len(self._exact) > self.EXACT_LIMIT:
                self._bloom = bytearray(self.BITS // 8)
                for d in self._exact:
                    self._set(d)
                self._exact = None
            return False
        bloom = self._bloom
        positions = self._positions(digest)
        seen = all(bloom[p >> 3] & (1 << (p & 7)) for p in positions)  # type: ignore[index]
        for p in positions:
            bloom[p >> 3] |= 1 << (p & 7)  # type: ignore[index]
        return seen

    def repeats(self, digests: list[bytes | None]) -> set[int]:
        """Record a chunk's fingerprints in order (``None``: no record); the positions of those seen before, as
        :meth:`add_digest` one by one would say."""
        found: set[int] = set()
        mask = self.BITS - 1
        for position, digest in enumerate(digests):
            if digest is None:
                continue
            if self._exact is not None:
                if self.add_digest(digest):
                    found.add(position)
                continue
            bloom = self._bloom
            seen = True
            for p in _UNPACK(digest):
                p &= mask
                byte, bit = p >> 3, 1 << (p & 7)
                if not bloom[byte] & bit:  # type: ignore[index]
                    seen = False
                    bloom[byte] |= bit  # type: ignore[index]
            if seen:
                found.add(position)
        return found

    def _set(self, digest: bytes) -> None:
        for p in self._positions(digest):
            self._bloom[p >> 3] |= 1 << (p & 7)  # type: ignore[index]
