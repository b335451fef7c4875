"""Encryption of secrets and personal data at rest.

API key secrets must be readable by the server (it verifies HS256
signatures with them), so they are encrypted rather than hashed, with a key
derived from the ``notify.secret_key`` setting. A database dump alone does
not let anyone sign tokens or read personalisation.
"""

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["Encryptor", "InvalidToken"]


class Encryptor:
    """Encrypts and decrypts short strings with a server-side key."""

    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(
            b"notify-pyramid encryption\x00" + secret_key.encode("utf-8")
        ).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        # API key secrets are decrypted on every authenticated request;
        # the same ciphertext always gives the same text, so remember it
        self.decrypt_cached = functools.lru_cache(maxsize=4096)(self.decrypt)

    def encrypt(self, value: str) -> str:
        """Return ``value`` encrypted, as ASCII text."""
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the text ``token`` was made from.

        Raises :class:`InvalidToken` if it was not made with this key.
        """
        return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")


def includeme(config):
    """Make the encryptor available as ``request.encryptor``."""
    encryptor = Encryptor(config.get_settings()["notify.secret_key"])
    config.registry["encryptor"] = encryptor
    config.add_request_method(
        lambda request: encryptor, "encryptor", reify=True
    )
