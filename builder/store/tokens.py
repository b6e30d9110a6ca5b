"""Ids and edit tokens: random, unguessable, and only the token's hash is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

ID_BYTES = 16  # 128 random bits
TOKEN_BYTES = 32  # 256 random bits


def new_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """sha256 of the token: the token has enough entropy that no salt or stretching is due."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented token with a stored hash."""
    return hmac.compare_digest(hash_token(token), stored_hash)
