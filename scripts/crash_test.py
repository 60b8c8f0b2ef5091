#!/usr/bin/env python3
"""Crash test: a send acknowledged is a send kept, exactly once.

Starts the release server (demo data) on a fresh database, lets CLIENTS Veteran sessions send
replies as fast as they can (each with its own reply key, as the reply form sends it) and
upload attachments, kills the server with SIGKILL at a random moment, starts it again on the
same database and checks:

- every reply the server answered with success is in the database exactly once;
- a reply whose answer was lost in the kill, sent again with the same key, is then there
  exactly once (never twice);
- every attachment whose upload was answered with success downloads with the same bytes.

Usage (after `cargo leptos build --release --split`):
  python3 scripts/crash_test.py [--cycles 3] [--clients 16] [--postgres ADMIN_URL]
With --postgres (e.g. postgres://postgres@127.0.0.1:5432/test) the test runs on a fresh
PostgreSQL database made beside that one, and dropped at the end. Exits 1 on any loss.
"""

import argparse
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

from release_server import Server, form, free_port, postcard_first_int, request, sign_in

BOUNDARY = "crashtestboundary"


def send_reply(port, cookie, thread_id, key):
    """True when the server acknowledged the reply; an error or a lost answer is False."""
    body, headers = form({"thread_id": thread_id, "body": f"Crash test reply {key}", "reply_key": key})
    headers["Cookie"] = cookie
    status, _, _ = request(port, "POST", "/api/send_reply", body, headers)
    return status == 200


def new_draft(port, cookie):
    body, headers = form({"draft_id": "", "care_team": "", "category": "", "subject": "Crash test", "body": "x"})
    headers["Cookie"] = cookie
    status, _, data = request(port, "POST", "/api/save_compose_draft", body, headers)
    if status != 200:
        raise OSError(f"draft: {status}")
    return postcard_first_int(data)


def upload(port, cookie, draft_id, name, content):
    body = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Cookie": cookie}
    status, _, data = request(port, "POST", f"/attachments/drafts/{draft_id}", body, headers)
    if status != 200:
        return None
    accepted = json.loads(data).get("accepted", [])
    return accepted[0]["id"] if accepted else None


def replyable_threads(port, cookie):
    """Alex's conversations that take a reply today (the 45-day rule closes older ones)."""
    _, _, page = request(port, "GET", "/inbox", headers={"Cookie": cookie, "Accept": "text/html"})
    ids = sorted({int(part.split('"')[0]) for part in page.decode().split('href="/messages/')[1:] if part.split('"')[0].isdigit()})
    open_ids = [t for t in ids if send_reply(port, cookie, t, str(uuid.uuid4()))]
    if not open_ids:
        sys.exit("crash_test: no conversation of the demo Veteran takes a reply")
    return open_ids


class Ledger:
    """What the clients were told, shared by their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged = []  # reply keys answered with success
        self.unanswered = []  # (thread, key) whose answer was lost in the kill
        self.files = []  # (attachment id, content) answered with success


def client(port, cookie, threads, ledger, stop, files_too):
    rng = random.Random()
    draft = None
    while not stop.is_set():
        if files_too and rng.random() < 0.1:
            try:
                draft = draft or new_draft(port, cookie)
                content = b"%PDF-1.7\n" + os.urandom(rng.randint(1_000, 200_000))
                attachment = upload(port, cookie, draft, "scan.pdf", content)
                if attachment:
                    with ledger.lock:
                        ledger.files.append((attachment, content))
            except (OSError, http.client.HTTPException, ValueError):
                draft = None
            continue
        thread_id, key = rng.choice(threads), str(uuid.uuid4())
        try:
            if send_reply(port, cookie, thread_id, key):
                with ledger.lock:
                    ledger.acknowledged.append(key)
        except (OSError, http.client.HTTPException):
            with ledger.lock:
                ledger.unanswered.append((thread_id, key))


def count_keys(database_url, keys):
    """How many messages carry each key."""
    keys = list(keys)
    if database_url.startswith("sqlite:"):
        path = urllib.parse.urlparse(database_url.replace("sqlite://", "file://")).path
        with sqlite3.connect(path) as db:
            rows = db.execute("SELECT client_key, COUNT(*) FROM messages WHERE client_key IS NOT NULL GROUP BY client_key").fetchall()
    else:
        out = subprocess.run(
            ["psql", database_url, "-qtAF", "\t", "-c",
             "SELECT client_key, COUNT(*) FROM messages WHERE client_key IS NOT NULL GROUP BY client_key"],
            check=True, capture_output=True, text=True,
        ).stdout
        rows = [line.split("\t") for line in out.splitlines() if line]
    counts = {key: int(n) for key, n in rows}
    return {key: counts.get(key, 0) for key in keys}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--postgres", help="an admin URL: run on a fresh PostgreSQL database beside it")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="sm-crash-")
    pg_name = None
    if args.postgres:
        pg_name = f"sm_crash_{uuid.uuid4().hex[:12]}"
        subprocess.run(["psql", args.postgres, "-qc", f"CREATE DATABASE {pg_name}"], check=True)
        database_url = args.postgres.rsplit("/", 1)[0] + f"/{pg_name}"
    else:
        database_url = f"sqlite://{data_dir}/crash.db?mode=rwc"
    print(f"crash_test: {args.cycles} cycles, {args.clients} clients, {database_url.split('?')[0]}")

    port = free_port()
    server = Server(database_url, data_dir, port)
    lost = duplicated = 0
    totals = {"acknowledged": 0, "resent": 0, "files": 0}
    try:
        server.start()
        cookies = [sign_in(port, "veteran@example.com") for _ in range(args.clients)]
        threads = replyable_threads(port, cookies[0])
        for cycle in range(1, args.cycles + 1):
            ledger, stop = Ledger(), threading.Event()
            workers = [
                threading.Thread(target=client, args=(port, cookie, threads, ledger, stop, i % 4 == 0))
                for i, cookie in enumerate(cookies)
            ]
            for worker in workers:
                worker.start()
            time.sleep(random.uniform(1.0, 3.0))
            server.kill()
            stop.set()
            for worker in workers:
                worker.join()
            server.start()

            counts = count_keys(database_url, ledger.acknowledged)
            cycle_lost = [k for k, n in counts.items() if n == 0]
            cycle_twice = [k for k, n in counts.items() if n > 1]
            # Sent again with the same key: the server must keep it once, whatever happened.
            resent = ledger.unanswered
            for thread_id, key in resent:
                send_reply(port, cookies[0], thread_id, key)
            resent_counts = count_keys(database_url, [k for _, k in resent])
            cycle_lost += [k for k, n in resent_counts.items() if n == 0]
            cycle_twice += [k for k, n in resent_counts.items() if n > 1]
            unreadable = 0
            for attachment, content in ledger.files:
                status, _, data = request(port, "GET", f"/attachments/{attachment}", headers={"Cookie": cookies[0]})
                if status != 200 or data != content:
                    unreadable += 1
            lost += len(cycle_lost) + unreadable
            duplicated += len(cycle_twice)
            totals["acknowledged"] += len(ledger.acknowledged)
            totals["resent"] += len(resent)
            totals["files"] += len(ledger.files)
            print(
                f"cycle {cycle}: {len(ledger.acknowledged)} replies acknowledged, {len(resent)} answers lost "
                f"in the kill and sent again, {len(ledger.files)} files acknowledged; "
                f"missing {len(cycle_lost)}, twice {len(cycle_twice)}, files unreadable {unreadable}"
            )
    finally:
        if server.process and server.process.poll() is None:
            server.kill()
        if pg_name:
            subprocess.run(["psql", args.postgres, "-qc", f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"], check=False)
    print(
        f"total: {totals['acknowledged']} acknowledged replies, {totals['resent']} resent, "
        f"{totals['files']} files; lost {lost}, duplicated {duplicated}"
    )
    if lost or duplicated:
        sys.exit("crash_test: FAILED")
    print("crash_test: passed")


if __name__ == "__main__":
    main()
