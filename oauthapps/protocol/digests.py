"""Secrets Gatehouse issues (tokens, codes) are stored only as SHA-256 digests."""

import hashlib


def digest(value: str) -> str:
    """The hex SHA-256 of a token or code, as stored (DOT's token_checksum)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
