#!/usr/bin/env python3
"""The browser tests against the reference deployment: two server instances on one
PostgreSQL database with the `s3` attachment store, behind nginx (deploy/nginx.conf).

Starts, each on a free port and with its files in one temporary folder:

- a fresh PostgreSQL database `sm_e2e_<random>` beside the admin database (dropped at the end);
- moto's S3-compatible server (`python3 -m moto.server`) and the bucket;
- instance A of the release server in demo mode; once A answers /readyz (it has migrated and
  seeded the demo data), instance B on the same database. Both get the same three secrets
  (SM_SESSION_KEY, SM_ATTACHMENT_KEY, SM_MFA_KEY), made for this run: demo mode would
  otherwise make up its own per process, and a session, a file or an MFA secret made by one
  instance would not open on the other;
- nginx with deploy/nginx.conf, its addresses, ports, certificate (self-signed, made here)
  and log paths substituted; unprivileged, in the foreground, under the temporary folder;

then runs `npx playwright test` in end2end/ against nginx (E2E_EXTERNAL_SERVER=1: Playwright
starts no server of its own), tears everything down (also on failure and Ctrl-C) and exits
with Playwright's status. On failure the temporary folder is kept and the logs' ends shown.

Usage (after `cargo leptos build --release --precompress --split`):
  python3 scripts/two_instances.py [--postgres ADMIN_URL] [--keep] [-- PLAYWRIGHT ARGS...]
ADMIN_URL defaults to $SM_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test.
Needs nginx (/usr/sbin/nginx), moto, openssl and psql: scripts/setup.sh installs the first two.
"""

import argparse
import base64
import hashlib
import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

from release_server import ROOT, SERVER, TARGET, environment, free_port, secrets

NGINX = "/usr/sbin/nginx"
NGINX_CONF = os.path.join(ROOT, "deploy", "nginx.conf")
BUCKET = "sm-attachments"


def say(text):
    print(f"two instances: {text}", flush=True)


def http_status(port, path, tls=False, timeout=5):
    """The status of GET path on 127.0.0.1:port, or None when nothing answers."""
    try:
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status, response.getheader("Location")
    except OSError:
        return None


class Stop(Exception):
    """SIGTERM or SIGHUP: tear down as after Ctrl-C."""


class Run:
    """Everything this run started, so it can all be stopped whatever happened."""

    def __init__(self, admin_url, keep):
        self.admin_url = admin_url
        self.keep = keep
        self.dir = tempfile.mkdtemp(prefix="sm-two-instances-")
        # nginx started as root runs its workers as `nobody`: they must reach their temp paths.
        os.chmod(self.dir, 0o755)
        self.processes = []  # (name, Popen, log path), in start order
        self.database = None

    # -- pieces --------------------------------------------------------------------------

    def psql(self, sql, url=None, check=True):
        return subprocess.run(
            ["psql", url or self.admin_url, "-qtAc", sql],
            check=check,
            capture_output=True,
            text=True,
        )

    def create_database(self):
        # Databases left by interrupted earlier runs that nobody is using any more.
        left = self.psql(
            "SELECT datname FROM pg_database WHERE datname LIKE 'sm_e2e_%' AND datname NOT IN "
            "(SELECT datname FROM pg_stat_activity WHERE datname IS NOT NULL)"
        ).stdout.split()
        for name in left:
            self.psql(f"DROP DATABASE IF EXISTS {name}", check=False)
        name = f"sm_e2e_{os.urandom(6).hex()}"
        self.psql(f"CREATE DATABASE {name}")
        self.database = name
        parts = urllib.parse.urlsplit(self.admin_url)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def start(self, name, argv, env=None, new_session=True):
        log_path = os.path.join(self.dir, f"{name}.log")
        log = open(log_path, "ab")
        process = subprocess.Popen(
            argv,
            env=env,
            cwd=self.dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
        log.close()
        self.processes.append((name, process, log_path))
        return process

    def wait_until(self, name, process, ready, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with status {process.returncode} while starting")
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{name} was not ready within {seconds} s")

    def start_moto(self):
        port = free_port()
        process = self.start("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)])
        self.wait_until("moto", process, lambda: http_status(port, "/") is not None)
        # object_store does not create buckets; moto takes an unsigned PUT.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("PUT", f"/{BUCKET}", body=b"")
        answer = conn.getresponse()
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"moto: creating the bucket answered {answer.status}")
        return port

    def start_instance(self, name, port, database_url, moto_port, keys):
        env = environment(
            port,
            # As the Playwright config starts its server, with `server` at info: "listening", "seeded the demo data", "threads became
            # overdue", which the summary counts per instance.
            RUST_LOG="warn,server=info",
            # …but on PostgreSQL and S3, with the secrets shared by both instances.
            SM_DATABASE_URL=database_url,
            SM_ATTACHMENT_STORE="s3",
            SM_ATTACHMENT_S3_BUCKET=BUCKET,
            SM_ATTACHMENT_S3_ENDPOINT=f"http://127.0.0.1:{moto_port}",
            SM_ATTACHMENT_S3_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="moto-test-key",
            AWS_SECRET_ACCESS_KEY="moto-test-secret",
            SM_ATTACHMENT_DIR=os.path.join(self.dir, f"{name}-files"),
            # nginx connects from here and names the browser in X-Forwarded-For.
            SM_TRUSTED_PROXIES="127.0.0.1",
            **keys,
        )
        for unset in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT", "AWS_ENDPOINT_URL"):
            env.pop(unset, None)
        process = self.start(name, [SERVER, "--demo"], env=env)
        self.wait_until(name, process, lambda: (http_status(port, "/readyz") or (0,))[0] == 200)

    def nginx_config(self, ports):
        """deploy/nginx.conf with this run's addresses, ports, certificate and paths."""
        with open(NGINX_CONF) as f:
            text = f.read()
        d = self.dir
        substitutions = [
            # The test runs unprivileged (as root: workers as `nobody`, nginx's default).
            (r"^user www-data;", "# user www-data;"),
            (r"/var/log/nginx/error\.log", f"{d}/nginx-error.log"),
            (
                r"access_log /var/log/nginx/access\.log;",
                f"log_format upstreams '$request_method $uri $status $upstream_addr';\n"
                f"    access_log {d}/nginx-access.log upstreams;\n"
                # Temporary files (request bodies, buffered answers) in this run's folder.
                + "".join(
                    f"    {kind}_temp_path {d}/nginx-temp/{kind};\n"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
                ),
            ),
            (r"server 10\.0\.0\.11:3000;", f"server 127.0.0.1:{ports['a']};"),
            (r"server 10\.0\.0\.12:3000;", f"server 127.0.0.1:{ports['b']};"),
            (r"listen 80;", f"listen 127.0.0.1:{ports['http']};"),
            (r"listen 443 ssl http2;", f"listen 127.0.0.1:{ports['https']} ssl http2;"),
            (r"/etc/ssl/certs/secure-messaging\.crt", f"{d}/tls.crt"),
            (r"/etc/ssl/private/secure-messaging\.key", f"{d}/tls.key"),
        ]
        for pattern, replacement in substitutions:
            text, count = re.subn(pattern, lambda _: replacement, text, flags=re.M)
            if count != 1:
                raise RuntimeError(
                    f"deploy/nginx.conf: expected `{pattern}` once, found it {count} times "
                    "(scripts/two_instances.py substitutes it for the test)"
                )
        return text

    def start_nginx(self, ports):
        """Starts nginx; returns the base64 SHA-256 of its certificate's public key (SPKI),
        which Chromium is told to trust."""
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", f"{self.dir}/tls.key", "-out", f"{self.dir}/tls.crt",
            ],
            check=True,
            capture_output=True,
        )
        os.makedirs(f"{self.dir}/nginx-temp")
        conf = f"{self.dir}/nginx.conf"
        with open(conf, "w") as f:
            f.write(self.nginx_config(ports))
        argv = [NGINX, "-p", self.dir, "-c", conf, "-e", f"{self.dir}/nginx-error.log"]
        pid = f"pid {self.dir}/nginx.pid;"
        check = subprocess.run(argv + ["-t", "-q", "-g", pid], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused the configuration:\n{check.stderr}")
        process = self.start("nginx", argv + ["-g", f"daemon off; {pid}"])
        self.wait_until(
            "nginx", process, lambda: (http_status(ports["https"], "/readyz", tls=True) or (0,))[0] == 200
        )
        # Plain http leads to https.
        answer = http_status(ports["http"], "/inbox")
        if not answer or answer[0] != 301 or not (answer[1] or "").startswith("https://"):
            raise RuntimeError(f"nginx's http server answered {answer}, not a redirect to https")
        public_key = subprocess.run(
            ["openssl", "x509", "-in", f"{self.dir}/tls.crt", "-pubkey", "-noout"],
            check=True, capture_output=True,
        ).stdout
        der = subprocess.run(
            ["openssl", "pkey", "-pubin", "-outform", "der"], input=public_key, check=True, capture_output=True
        ).stdout
        return base64.b64encode(hashlib.sha256(der).digest()).decode()

    # -- teardown ------------------------------------------------------------------------

    def stop_all(self):
        # Last started first: nginx, instance B, instance A, moto.
        for name, process, _ in reversed(self.processes):
            if process.poll() is not None:
                continue
            # nginx: SIGQUIT is its graceful stop; the server stops gracefully on SIGTERM.
            process.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.database:
            self.psql(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)", check=False)

    def show_logs(self, lines=40):
        for name, _, path in self.processes:
            try:
                with open(path, errors="replace") as f:
                    tail = f.readlines()[-lines:]
            except OSError:
                continue
            print(f"\n── last {len(tail)} lines of {path} ──", flush=True)
            sys.stdout.write("".join(tail))
        error_log = f"{self.dir}/nginx-error.log"
        if os.path.exists(error_log):
            with open(error_log, errors="replace") as f:
                tail = f.readlines()[-lines:]
            print(f"\n── last {len(tail)} lines of {error_log} ──", flush=True)
            sys.stdout.write("".join(tail))

    def summary(self, ports):
        """Which instance answered how much, and what each logged of seeding and the overdue
        job. Returns False when the demo data were seeded other than once."""
        upstream = {f"127.0.0.1:{ports['a']}": "A", f"127.0.0.1:{ports['b']}": "B"}
        counts = {"A": 0, "B": 0}
        events = {"A": 0, "B": 0}
        try:
            with open(f"{self.dir}/nginx-access.log") as f:
                for line in f:
                    fields = line.split()
                    if len(fields) < 4:
                        continue
                    who = upstream.get(fields[-1].split(",")[-1].strip())
                    if who:
                        counts[who] += 1
                        if fields[1] == "/events":
                            events[who] += 1
        except OSError:
            pass
        say(
            f"requests through nginx: A {counts['A']}, B {counts['B']} "
            f"(live-update streams: A {events['A']}, B {events['B']})"
        )
        seeded_in_all = 0
        for name, _, path in self.processes:
            if name not in ("a", "b"):
                continue
            with open(path, errors="replace") as f:
                text = re.sub(r"\x1b\[[0-9;]*m", "", f.read())  # the log's colours
            seeded = text.count("seeded the demo data")
            seeded_in_all += seeded
            marked = sum(int(m) for m in re.findall(r"marked=(\d+)", text))
            say(f"instance {name.upper()}: seeded the demo data {seeded}x, marked {marked} threads overdue")
        if seeded_in_all not in (0, 1):
            say(f"the demo data were seeded {seeded_in_all} times, not once")
            return False
        return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SM_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"),
        help="an existing database's URL; the test database is made beside it",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) after a pass too")
    parser.add_argument("playwright_args", nargs="*", help="passed to `npx playwright test` (after --)")
    args = parser.parse_args()

    for path in (SERVER, os.path.join(TARGET, "release", "hash.txt"),
                 os.path.join(TARGET, "site", "pkg")):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: run `cargo leptos build --release --precompress --split` first")
    if not os.access(NGINX, os.X_OK):
        sys.exit(f"{NGINX} is missing: run scripts/setup.sh (installs Debian's nginx)")

    def stop(signum, _frame):
        raise Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    run = Run(args.postgres, args.keep)
    say(f"logs in {run.dir}")
    status = 1
    started = time.monotonic()
    ports = {name: free_port() for name in ("a", "b", "https", "http")}
    try:
        database_url = run.create_database()
        say(f"database {run.database}")
        moto_port = run.start_moto()
        say(f"moto S3 on port {moto_port}, bucket {BUCKET}")
        keys = secrets()
        # A first: it migrates and seeds the demo data; B then finds them there.
        run.start_instance("a", ports["a"], database_url, moto_port, keys)
        say(f"instance A on port {ports['a']}")
        run.start_instance("b", ports["b"], database_url, moto_port, keys)
        say(f"instance B on port {ports['b']}")
        spki = run.start_nginx(ports)
        base_url = f"https://127.0.0.1:{ports['https']}"
        say(f"nginx at {base_url} (http on port {ports['http']} redirects)")

        env = dict(
            os.environ,
            E2E_EXTERNAL_SERVER="1",
            E2E_PORT=str(ports["https"]),
            E2E_BASE_URL=base_url,
            # Chromium trusts this run's certificate (end2end/playwright.config.ts).
            E2E_TLS_SPKI=spki,
        )
        # In this process group, so Ctrl-C reaches Playwright too.
        playwright = subprocess.Popen(
            ["npx", "playwright", "test", *args.playwright_args], cwd=os.path.join(ROOT, "end2end"), env=env
        )
        try:
            status = playwright.wait()
        except BaseException:
            try:
                playwright.wait(timeout=15)
            except subprocess.TimeoutExpired:
                playwright.kill()
            raise
        for name, process, _ in run.processes:
            if process.poll() is not None:
                say(f"{name} had exited during the tests (status {process.returncode})")
                status = status or 1
    except (KeyboardInterrupt, Stop) as cause:
        say(f"interrupted ({type(cause).__name__} {cause}); stopping everything")
        status = 130
    except Exception as error:  # noqa: BLE001 - any failure to set up is reported the same way
        say(f"could not run: {error}")
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        run.stop_all()
        if not run.summary(ports) and status == 0:
            status = 1
        if status != 0:
            run.show_logs()
            say(f"FAILED (status {status}); logs kept in {run.dir}")
        elif run.keep:
            say(f"logs kept in {run.dir}")
        else:
            shutil.rmtree(run.dir, ignore_errors=True)
        say(f"took {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
