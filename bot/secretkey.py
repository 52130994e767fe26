"""The key that encrypts credentials at rest in the store (login sessions).

Where it comes from: ``SHAREBOT_SECRET_KEY`` (32 random bytes in URL-safe base64, as
``cryptography``'s ``Fernet.generate_key()`` makes), else a key file: ``secret_key_file``
in the config (``SHAREBOT_SECRET_KEY_FILE``), by default ``<data_dir>/secret.key``. The
file is created with mode 0600 on first use and refused if anyone but its owner can read
it. Keep it out of backups of the store: a backup holding both is as good as the tokens
themselves.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.errors import ConfigError

ENV = "SHAREBOT_SECRET_KEY"
FILE_ENV = "SHAREBOT_SECRET_KEY_FILE"
FILE_NAME = "secret.key"
KEY_BYTES = 32


def new_key_text() -> str:
    """A fresh random key in the text form the variable and the file hold."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def decode_key(text: str, where: str) -> bytes:
    """The 32 key bytes of ``text`` (ConfigError naming ``where``, never the value)."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ConfigError(
            f"not a key: expected {KEY_BYTES} bytes in URL-safe base64 "
            "(`openssl rand -base64 32 | tr '+/' '-_'` makes one)",
            source=where,
        )
    return raw


@dataclass(frozen=True)
class KeySource:
    """Where the key is read from: the variable's text (if set), else ``path``."""

    path: Path
    env_text: str | None = None

    @property
    def where(self) -> str:
        """For messages: the variable's name or the file's path."""
        return ENV if self.env_text else str(self.path)

    def load(self, *, create: bool) -> bytes | None:
        """The key; None if there is none yet and ``create`` is False."""
        if self.env_text:
            return decode_key(self.env_text, ENV)
        if not self.path.exists():
            if not create:
                return None
            create_key_file(self.path, new_key_text())
        return decode_key(_read_private(self.path), str(self.path))


def key_source(
    data_dir: str, key_file: str = "", env: Mapping[str, str] | None = None
) -> KeySource:
    """The key source for these settings (``key_file`` empty: ``<data_dir>/secret.key``)."""
    env = os.environ if env is None else env
    path = key_file or env.get(FILE_ENV, "") or os.path.join(data_dir, FILE_NAME)
    return KeySource(Path(path), env.get(ENV) or None)


def store_key(settings: Settings) -> KeySource:
    """The key source ``settings`` name (the environment as the process sees it)."""
    return key_source(settings.data_dir, settings.secret_key_file)


def default_key_source(env: Mapping[str, str] | None = None) -> KeySource:
    """For callers that have no Settings: ``SHAREBOT_DATA_DIR`` (default ``data``)."""
    env = os.environ if env is None else env
    return key_source(env.get("SHAREBOT_DATA_DIR") or "data", "", env)


def _private_temp(path: Path, text: str) -> str:
    """A new 0600 file beside ``path`` holding ``text`` (a unique name: concurrent writers
    never share one); its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (text + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def write_key_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600, atomically (a new file renamed over)."""
    os.replace(_private_temp(path, text), path)


def create_key_file(path: Path, text: str) -> None:
    """Create ``path`` holding ``text`` unless it exists: processes starting together (two
    daemons) race here, the first link wins and every one then reads that key."""
    tmp = _private_temp(path, text)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def _read_private(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"mode {stat.S_IMODE(mode):o} lets others read the key: chmod 600 it",
                source=str(path),
            )
        return path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read the key file: {exc.strerror}", source=str(path)) from None
