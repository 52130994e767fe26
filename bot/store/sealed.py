"""Credentials at rest: login sessions are sealed with AES-256-GCM (``cryptography``)
before they reach the store, bound to their account (the platform and account name are
the associated data, so a sealed session copied to another account's row does not open).

Stored form: ``sb1:`` + URL-safe base64 of a 12-byte random nonce and the ciphertext with
its tag. A value that does not open (another key, no key, tampered, or the plain text an
older version stored) reads as "no session": the adapter logs in afresh once.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import threading

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.errors import ConfigError
from bot.secretkey import KeySource

log = logging.getLogger(__name__)

PREFIX = "sb1:"
NONCE_BYTES = 12


def seal(key: bytes, plaintext: str, context: str) -> str:
    """``plaintext`` encrypted and authenticated under ``key``, bound to ``context``."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(key: bytes, stored: str, context: str) -> str | None:
    """The plaintext, or None if ``stored`` was not sealed by ``key`` for ``context``."""
    if not stored.startswith(PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :].encode())
        opened = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
    except (binascii.Error, ValueError, InvalidTag):
        return None
    return opened.decode()


def context(platform: str, account: str) -> str:
    """The associated data binding a sealed value to its account row."""
    return f"sharebot session {platform}/{account}"


class Sealer:
    """Seals and opens sessions with the key of ``source``, read once on first use (and
    created then, if it is a file that does not exist yet)."""

    def __init__(self, source: KeySource) -> None:
        self.source = source
        self._key: bytes | None = None
        self._lock = threading.Lock()
        self._warned: set[str] = set()

    def key(self, *, create: bool) -> bytes | None:
        """The key (None: no key yet and not ``create``)."""
        with self._lock:
            if self._key is None:
                self._key = self.source.load(create=create)
            return self._key

    def seal(self, plaintext: str, platform: str, account: str) -> str:
        """A session as it is stored."""
        key = self.key(create=True)
        assert key is not None  # create=True always gives one
        return seal(key, plaintext, context(platform, account))

    def open(self, stored: str | None, platform: str, account: str) -> str | None:
        """A stored session, or None (with one warning per account) if it does not open."""
        if stored is None:
            return None
        try:
            key = self.key(create=False)
        except ConfigError as exc:
            self._warn(platform, account, f"the key is unusable ({exc})")
            return None
        opened = None if key is None else unseal(key, stored, context(platform, account))
        if opened is None:
            self._warn(platform, account, f"it does not open with the key from {self.source.where}")
        return opened

    def _warn(self, platform: str, account: str, why: str) -> None:
        if f"{platform}/{account}" not in self._warned:
            self._warned.add(f"{platform}/{account}")
            log.warning(
                "the stored %s session of %s is discarded: %s; logging in afresh",
                platform,
                account,
                why,
            )
