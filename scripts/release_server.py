"""What the scripts that start the release server share: where the build is, a free port,
the server's environment, and a fresh set of its secrets.

The environment is the one the Playwright config gives its server
(end2end/playwright.config.ts): the release build's site, hashed file names, production mode.
"""

import base64
import os
import socket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
SERVER = os.path.join(TARGET, "release", "server")


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
