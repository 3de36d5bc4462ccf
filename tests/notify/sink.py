#!/usr/bin/env python3
"""Notification sink for tigo-chat's tests: a real SMTP server and a Web Push service.

One process, two loopback servers, every received thing kept in memory for the tests to read:

* SMTP (aiosmtpd; plain SMTP, no auth, no TLS) on --smtp-port: keeps every mail.
* HTTP (stdlib ThreadingHTTPServer) on --http-port: plays both the push service (RFC 8030)
  and the browser behind it. It checks each push the way a real push service and browser
  would, with code independent of the server's: the VAPID Authorization header (RFC 8292,
  verified with `cryptography`) and the aes128gcm body (RFC 8291, decrypted with
  `http_ece`), then answers as the test asked.

HTTP API (JSON in and out):

  GET  /health                      -> {"ok": true}
  POST /subscriptions {"mode", "retry_after"?}
       mode: "201" | "404" | "410" | "429" | "500" | "hang" | "redirect", or a list of
       those used one per push in order, the last one repeated (["429", "201"] = "429
       once, then 201").  Default "201".
       -> 201 {"id", "endpoint", "expirationTime": null, "keys": {"p256dh", "auth"}}
          (the "endpoint"/"expirationTime"/"keys" part is exactly PushSubscription.toJSON())
  PUT  /subscriptions/<id> {"mode", "retry_after"?}   -> 200 {"id", "mode"}
  GET  /subscriptions/<id>          -> {"id", "endpoint", "mode", "redirect_hits"}
  GET  /subscriptions/<id>/pushes   -> [{"payload", "decrypt_error", "vapid_ok",
       "vapid_error", "vapid_k", "ttl", "urgency", "topic", "content_encoding",
       "status_answered", "at"}]  (oldest first; "at" is Unix seconds; "payload" the
       decrypted body parsed as JSON, else the text, else null)
  POST /push/<id>                   the push endpoint the server delivers to
  ANY  /redirected/<id>             where "redirect" mode points; counts hits (must stay 0)
  GET  /mails[?to=ADDRESS]          -> [{"from", "to", "subject", "headers", "text",
       "html", "at"}]  (oldest first; "to" the envelope recipients)
  DELETE /mails[?to=ADDRESS]        -> 204; forgets those mails

Tests run in parallel against one sink, so each reads only its own subscriptions' pushes
and its own users' mails (every test user has a unique address).

Usage: sink.py --http-port P --smtp-port Q   (both on 127.0.0.1)
"""

import argparse
import base64
import email
import email.policy
import json
import os
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from aiosmtpd.controller import Controller
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MODES = {"201", "404", "410", "429", "500", "hang", "redirect"}
# How long a "hang" push is left unanswered: far longer than any push timeout the server
# uses in tests, short enough that abandoned threads do not pile up for the whole run.
HANG_SECONDS = 120
# Clock slack when checking the JWT's exp ("at most 24 h ahead", RFC 8292 section 2).
EXP_SLACK_SECONDS = 60

LOCK = threading.Lock()
SUBSCRIPTIONS = {}  # id -> dict(private_key, auth, modes, retry_after, pushes, redirect_hits)
MAILS = []


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_modes(body):
    """The mode list of a POST/PUT body; raises ValueError on an unknown mode."""
    mode = body.get("mode", "201")
    modes = mode if isinstance(mode, list) else [mode]
    modes = [str(m) for m in modes]
    if not modes or any(m not in MODES for m in modes):
        raise ValueError(f"mode must be one of {sorted(MODES)} or a list of them")
    return modes


# --- VAPID (RFC 8292) ---------------------------------------------------------------------


def verify_vapid(header, endpoint):
    """Checks `Authorization: vapid t=<JWT>, k=<key>` for a push to `endpoint`.

    Returns (ok, error, k). The JWT must be ES256, signed by the P-256 key k, with
    aud = the endpoint's origin, exp in the future and at most 24 h ahead, and a sub.
    """
    if not header:
        return False, "no Authorization header", None
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "vapid":
        return False, f"scheme {scheme!r} is not vapid", None
    fields = {}
    for part in params.split(","):
        name, _, value = part.strip().partition("=")
        fields[name.strip()] = value.strip()
    token, k = fields.get("t"), fields.get("k")
    if not token or not k:
        return False, "t= or k= missing", k
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(k))
    except Exception as e:  # noqa: BLE001 - any decoding failure is the finding
        return False, f"k is not a P-256 point: {e}", k
    try:
        head_b64, claims_b64, sig_b64 = token.split(".")
        head = json.loads(unb64url(head_b64))
        claims = json.loads(unb64url(claims_b64))
        sig = unb64url(sig_b64)
    except Exception as e:  # noqa: BLE001
        return False, f"JWT unreadable: {e}", k
    if head.get("alg") != "ES256":
        return False, f"alg {head.get('alg')!r} is not ES256", k
    if len(sig) != 64:
        return False, f"signature is {len(sig)} bytes, not 64 (r||s)", k
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        key.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False, "bad signature", k
    parts = urllib.parse.urlsplit(endpoint)
    origin = f"{parts.scheme}://{parts.netloc}"
    if claims.get("aud") != origin:
        return False, f"aud {claims.get('aud')!r} is not {origin!r}", k
    exp, now = claims.get("exp"), time.time()
    if not isinstance(exp, (int, float)) or exp <= now:
        return False, f"exp {exp!r} is not in the future", k
    if exp > now + 24 * 3600 + EXP_SLACK_SECONDS:
        return False, f"exp {exp!r} is more than 24 h ahead", k
    if not claims.get("sub"):
        return False, "sub missing", k
    return True, None, k


# --- HTTP: push service and browser -------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the tests read the API, not a log
        pass

    def body_bytes(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def json_body(self):
        raw = self.body_bytes()
        return json.loads(raw) if raw else {}

    def reply(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def base(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        return [p for p in url.path.split("/") if p], urllib.parse.parse_qs(url.query)

    def do_GET(self):
        parts, query = self.route()
        if parts == ["health"]:
            return self.reply(200, {"ok": True})
        if parts == ["mails"]:
            return self.reply(200, mails_for(query.get("to", [None])[0]))
        if len(parts) >= 2 and parts[0] == "subscriptions":
            with LOCK:
                sub = SUBSCRIPTIONS.get(parts[1])
                if sub is None:
                    return self.reply(404, {"error": "no such subscription"})
                if parts[2:] == ["pushes"]:
                    return self.reply(200, list(sub["pushes"]))
                if not parts[2:]:
                    return self.reply(200, {"id": parts[1], "endpoint": sub["endpoint"],
                                            "mode": sub["modes"],
                                            "redirect_hits": sub["redirect_hits"]})
        if len(parts) == 2 and parts[0] == "redirected":
            return self.redirected(parts[1])
        return self.reply(404, {"error": "not found"})

    def do_DELETE(self):
        parts, query = self.route()
        if parts == ["mails"]:
            to = query.get("to", [None])[0]
            with LOCK:
                MAILS[:] = [m for m in MAILS if to is not None and to not in m["to"]]
            return self.reply(204)
        return self.reply(404, {"error": "not found"})

    def do_PUT(self):
        parts, _ = self.route()
        if len(parts) == 2 and parts[0] == "subscriptions":
            try:
                body = self.json_body()
                modes = parse_modes(body)
            except ValueError as e:
                return self.reply(400, {"error": str(e)})
            with LOCK:
                sub = SUBSCRIPTIONS.get(parts[1])
                if sub is None:
                    return self.reply(404, {"error": "no such subscription"})
                sub["modes"] = modes
                sub["retry_after"] = body.get("retry_after")
            return self.reply(200, {"id": parts[1], "mode": modes})
        return self.reply(404, {"error": "not found"})

    def do_POST(self):
        parts, _ = self.route()
        if parts == ["subscriptions"]:
            return self.new_subscription()
        if len(parts) == 2 and parts[0] == "push":
            return self.push(parts[1])
        if len(parts) == 2 and parts[0] == "redirected":
            return self.redirected(parts[1])
        return self.reply(404, {"error": "not found"})

    def new_subscription(self):
        """What the browser does on PushManager.subscribe(): a key pair and an auth secret."""
        try:
            body = self.json_body()
            modes = parse_modes(body)
        except ValueError as e:
            return self.reply(400, {"error": str(e)})
        sid = secrets.token_hex(8)
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        p256dh = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        endpoint = f"{self.base()}/push/{sid}"
        with LOCK:
            SUBSCRIPTIONS[sid] = {"private_key": private_key, "auth": auth, "modes": modes,
                                  "retry_after": body.get("retry_after"), "pushes": [],
                                  "redirect_hits": 0, "endpoint": endpoint}
        self.reply(201, {"id": sid, "endpoint": endpoint, "expirationTime": None,
                         "keys": {"p256dh": b64url(p256dh), "auth": b64url(auth)}})

    def push(self, sid):
        """A push delivery: record it, check VAPID, decrypt, answer as the mode says."""
        body = self.body_bytes()
        with LOCK:
            sub = SUBSCRIPTIONS.get(sid)
            if sub is None:
                return self.reply(404, {"error": "no such subscription"})
            mode = sub["modes"][0]
            if len(sub["modes"]) > 1:
                sub["modes"] = sub["modes"][1:]
            retry_after = sub["retry_after"]
            private_key, auth, endpoint = sub["private_key"], sub["auth"], sub["endpoint"]
        vapid_ok, vapid_error, k = verify_vapid(self.headers.get("Authorization"), endpoint)
        payload, decrypt_error = None, None
        encoding = self.headers.get("Content-Encoding")
        try:
            if encoding != "aes128gcm":
                raise ValueError(f"Content-Encoding {encoding!r} is not aes128gcm")
            plain = http_ece.decrypt(body, private_key=private_key, auth_secret=auth,
                                     version="aes128gcm")
            text = plain.decode("utf-8")
            try:
                payload = json.loads(text)
            except ValueError:
                payload = text
        except Exception as e:  # noqa: BLE001 - recorded for the test to report
            decrypt_error = f"{type(e).__name__}: {getattr(e, 'message', e)}"
        record = {
            "payload": payload, "decrypt_error": decrypt_error,
            "vapid_ok": vapid_ok, "vapid_error": vapid_error, "vapid_k": k,
            "ttl": self.headers.get("TTL"), "urgency": self.headers.get("Urgency"),
            "topic": self.headers.get("Topic"), "content_encoding": encoding,
            # What the sink answers: None for "hang" (never), 307 for "redirect".
            "status_answered": None if mode == "hang" else 307 if mode == "redirect" else int(mode),
            "at": time.time(),
        }
        with LOCK:
            sub["pushes"].append(record)
        if mode == "hang":
            # Never answer: hold the connection open until the server gives up.
            time.sleep(HANG_SECONDS)
            self.close_connection = True
            return None
        if mode == "redirect":
            return self.reply(307, {}, {"Location": f"{self.base()}/redirected/{sid}"})
        headers = {}
        if retry_after is not None and mode in ("429", "500"):
            headers["Retry-After"] = str(retry_after)
        if mode == "201":
            headers["Location"] = f"{self.base()}/messages/{secrets.token_hex(8)}"
        return self.reply(int(mode), {} if mode != "201" else None, headers)

    def redirected(self, sid):
        with LOCK:
            sub = SUBSCRIPTIONS.get(sid)
            if sub is not None:
                sub["redirect_hits"] += 1
        self.body_bytes()
        return self.reply(201)


# --- SMTP ---------------------------------------------------------------------------------


class MailHandler:
    """aiosmtpd handler: parses each mail with the stdlib and keeps it."""

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = html = None
        for part in message.walk():
            if part.is_multipart() or part.get_content_disposition() == "attachment":
                continue
            kind = part.get_content_type()
            if kind == "text/plain" and text is None:
                text = part.get_content()
            elif kind == "text/html" and html is None:
                html = part.get_content()
        mail = {
            "from": envelope.mail_from, "to": list(envelope.rcpt_tos),
            "subject": message.get("Subject"),
            # Header values unfolded, as a client shows them; a repeated header's last wins.
            "headers": {name: str(value) for name, value in message.items()},
            "text": text, "html": html, "at": time.time(),
        }
        with LOCK:
            MAILS.append(mail)
        return "250 OK"


def mails_for(to):
    with LOCK:
        return [m for m in MAILS if to is None or to in m["to"]]


def main():
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--http-port", type=int, required=True)
    args.add_argument("--smtp-port", type=int, required=True)
    opts = args.parse_args()
    smtp = Controller(MailHandler(), hostname="127.0.0.1", port=opts.smtp_port)
    smtp.start()
    http = ThreadingHTTPServer(("127.0.0.1", opts.http_port), Handler)
    http.daemon_threads = True  # a hanging push must not keep the process alive at exit
    try:
        http.serve_forever()
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
