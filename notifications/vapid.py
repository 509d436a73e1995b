"""The server's VAPID key pair (RFC 8292), which signs every push so that push services know it comes from us.

Keys travel as base64url text: the private key as its 32-byte number, the public key as the uncompressed
P-256 point that browsers take as `applicationServerKey`.
"""

from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid
from py_vapid.utils import b64urlencode

PRIVATE_KEY_BYTES = 32


@dataclass(frozen=True)
class VapidKeys:
    private_key: str
    public_key: str


def _public_key_text(vapid: Vapid) -> str:
    point = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64urlencode(point)


def generate_vapid_keys() -> VapidKeys:
    """A new key pair."""
    vapid = Vapid()
    vapid.generate_keys()
    private_number = vapid.private_key.private_numbers().private_value.to_bytes(PRIVATE_KEY_BYTES, "big")
    return VapidKeys(private_key=b64urlencode(private_number), public_key=_public_key_text(vapid))


def public_key_for(private_key: str) -> str:
    """The public half of `private_key`; ValueError when it is not a P-256 private key."""
    try:
        return _public_key_text(Vapid.from_string(private_key))
    except Exception as error:  # py_vapid lets binascii, cryptography and index errors through as they come.
        raise ValueError("not a P-256 private key") from error


@cache
def _signer(private_key: str) -> Vapid:
    return Vapid.from_string(private_key)


def vapid_signer() -> Vapid:
    """The signer for settings.VAPID_PRIVATE_KEY, read once per key."""
    return _signer(settings.VAPID_PRIVATE_KEY)


def push_available() -> bool:
    """Whether this server can send notifications: the settings refuse to start with only part of the VAPID set."""
    return bool(settings.VAPID_PRIVATE_KEY)
