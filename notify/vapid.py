"""VAPID keys (RFC 8292): the server's P-256 key pair that signs every push, so a push service knows
the messages come from the server the browser subscribed to.

- Production: FUBI_VAPID_PUBLIC_KEY and FUBI_VAPID_PRIVATE_KEY (base64url, from `manage.py
  vapid_keys`), kept like the secret key: a new pair orphans every subscription made with the old one.
- Development (DEBUG, `make run`): without them a pair is made once and kept in `.vapid-dev.json`
  (git-ignored) beside manage.py, so subscriptions survive restarts.
- Neither: push is off (each delivery logs it once); the inbox, email and SMS work as before.
"""

import base64
import json
import logging
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

logger = logging.getLogger(__name__)

DEV_KEY_FILE = Path(settings.BASE_DIR) / ".vapid-dev.json"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid_keys_generate() -> tuple[str, str]:
    """A new (public, private) pair: the uncompressed public point and the raw private value, base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return b64url(public), b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def vapid_keys() -> tuple[str, str] | None:
    """(public, private) from the settings, else in development the kept pair; None when push is off."""
    public, private = settings.FUBI_VAPID_PUBLIC_KEY, settings.FUBI_VAPID_PRIVATE_KEY
    if public and private:
        return public, private
    if settings.DEBUG:
        return _dev_keys(str(DEV_KEY_FILE))
    return None


@lru_cache(maxsize=2)
def _dev_keys(path: str) -> tuple[str, str]:
    file = Path(path)
    if file.exists():
        stored = json.loads(file.read_text())
        return stored["public"], stored["private"]
    public, private = vapid_keys_generate()
    file.write_text(json.dumps({"public": public, "private": private}))
    logger.info("notify: made development VAPID keys in %s", file)
    return public, private


def vapid_public_key() -> str:
    """The key browsers pass as applicationServerKey, or "" when push is off."""
    keys = vapid_keys()
    return keys[0] if keys else ""
