"""A push service on this machine for the reminder tests, and a browser's side of a subscription.

FakePushService is a real HTTP server on 127.0.0.1 (a free port, its own thread) that records each request and
answers with the status a test chooses, so pywebpush really encrypts, signs and posts to it. BrowserKeys is what
a browser keeps for one subscription (a P-256 key pair and an auth secret), to decrypt what arrives.
"""

import base64
import json
import os
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import jwt

# Where the tests' push service lives, for settings.PUSH_SERVICE_ORIGINS.
LOCAL_PUSH_ORIGINS = ["http://127.0.0.1:*"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class ReceivedPush:
    path: str
    headers: dict[str, str]
    body: bytes

    def vapid_claims(self) -> dict:
        """The claims of the request's `Authorization: vapid t=<JWT>,k=<key>` header, after checking that the key
        is the server's (settings.VAPID_PUBLIC_KEY) and the JWT is signed with it (py_vapid.jwt raises if not)."""
        scheme, _, fields = self.headers["authorization"].partition(" ")
        assert scheme == "vapid"
        parts = dict(field.split("=", 1) for field in fields.split(","))
        assert parts["k"] == settings.VAPID_PUBLIC_KEY
        return jwt.decode(parts["t"], settings.VAPID_PUBLIC_KEY)


class FakePushService:
    """Records every POST; answers `status` (201 Created, as push services do, unless a test changes it)."""

    def __init__(self):
        self.received: list[ReceivedPush] = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                service.received.append(ReceivedPush(path=self.path, headers=headers, body=body))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class BrowserKeys:
    """A browser's keys for one subscription: it gives the server the public key and the auth secret."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription_json(self, endpoint: str) -> dict:
        """What PushSubscription.toJSON() gives in the browser."""
        return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def decrypt(self, push: ReceivedPush) -> dict:
        """The notification's JSON, as the browser decrypts it (RFC 8291, aes128gcm)."""
        assert push.headers["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(
            push.body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return json.loads(plain)
