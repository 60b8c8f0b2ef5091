"""What the scripts that start the release server share: where the build is, a free port,
the server's environment, a fresh set of its secrets, the process itself, and requests made
as the app's own pages make them.

The environment is the one the Playwright config gives its server
(end2end/playwright.config.ts): the release build's site, hashed file names, production mode.
"""

import base64
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
SERVER = os.path.join(TARGET, "release", "server")
# The password of every demo person.
PASSWORD = "demo-password-2026"
# Which script is talking, for its error lines.
SCRIPT = os.path.splitext(os.path.basename(sys.argv[0]))[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def secrets():
    """SM_SESSION_KEY, SM_ATTACHMENT_KEY and SM_MFA_KEY made for one run. A process given
    these keeps them over a restart, and several processes given the same open each other's
    sessions, sealed files and two-step secrets (demo mode would make up its own per process)."""
    key = lambda n: base64.b64encode(os.urandom(n)).decode()
    return {"SM_SESSION_KEY": key(64), "SM_ATTACHMENT_KEY": key(32), "SM_MFA_KEY": key(32)}


def environment(port, **settings):
    """This process's environment with the release server's site settings, listening on
    127.0.0.1:port, plus `settings` (SM_DATABASE_URL, the secrets, …)."""
    return dict(
        os.environ,
        LEPTOS_OUTPUT_NAME="secure-messaging",
        LEPTOS_SITE_ROOT=os.path.join(TARGET, "site"),
        LEPTOS_SITE_PKG_DIR="pkg",
        LEPTOS_SITE_ADDR=f"127.0.0.1:{port}",
        LEPTOS_ENV="PROD",
        LEPTOS_HASH_FILES="true",
        **settings,
    )


class Server:
    """The release binary in demo mode on `database_url`, started and killed as a whole
    process. Its keys are fixed for its life: sessions and sealed attachments open again
    after a restart."""

    def __init__(self, database_url, data_dir, port):
        self.port = port
        self.log = open(os.path.join(data_dir, "server.log"), "ab")
        self.env = environment(
            port,
            SM_DATABASE_URL=database_url,
            SM_ATTACHMENT_DIR=os.path.join(data_dir, "files"),
            **secrets(),
        )
        self.process = None

    def start(self):
        self.process = subprocess.Popen([SERVER, "--demo"], env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status, _, _ = request(self.port, "GET", "/readyz")
                if status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                sys.exit(f"{SCRIPT}: the server exited with {self.process.returncode} (see server.log)")
            time.sleep(0.1)
        sys.exit(f"{SCRIPT}: the server did not get ready within 60 s")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def request(port, method, path, body=None, headers=None, timeout=10):
    """One request from the app's own origin; answers (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sent = {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"}
        sent.update(headers or {})
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def form(fields):
    return urllib.parse.urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded"}


def sign_in(port, email):
    """Signs a demo person in; answers their session cookie as `name=value`."""
    body, headers = form({"email": email, "password": PASSWORD})
    headers["Accept"] = "text/html"
    status, answer, _ = request(port, "POST", "/api/sign_in", body, headers)
    cookies = [v.split(";")[0] for k, v in answer if k.lower() == "set-cookie"]
    cookie = next((c for c in cookies if c.startswith("sm_session=")), "")
    if status not in (302, 303) or not cookie:
        sys.exit(f"{SCRIPT}: sign-in of {email} answered {status}")
    return cookie


def postcard_first_int(data):
    """The first field of a postcard answer when it is an integer (a saved draft's id):
    a zigzag varint, as the server functions encode it."""
    value, shift = 0, 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return (value >> 1) ^ -(value & 1)
        shift += 7
    raise ValueError("not a postcard integer")
