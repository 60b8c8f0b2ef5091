#!/usr/bin/env python3
"""Load: how many acknowledged sends a second, and how fast, on one running server.

Signs in 64 Veteran sessions, makes 200 conversations with the care teams, then runs closed
loops (each client sends its next request when the last is answered) for SECONDS each:
replies at 1, 16 and 64 clients, thread reads (`load_thread`) at 16 clients and Inbox pages
at 16 clients. Prints requests/s and p50/p95/p99 per run, and the server's resident memory
(RSS) before and after.

Usage, against a running demo server and its process id:
  python3 scripts/load.py http://127.0.0.1:3000 "$(pgrep -n server)" [--seconds 15]
The client is Python on the same machine: it takes CPU from the server it measures, so the
figures are a floor.
"""

import argparse
import http.client
import multiprocessing
import os
import random
import re
import threading
import time
import urllib.parse
import uuid

PASSWORD = "demo-password-2026"
# Client processes: enough that the interpreter lock is not what limits the rate.
WORKER_PROCESSES = 4
VETERAN = "veteran@example.com"


class Client:
    """One session on one kept-alive connection, as a browser tab has."""

    def __init__(self, base):
        url = urllib.parse.urlparse(base)
        self.host = url.netloc
        self.conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        self.cookie = None

    def request(self, method, path, form=None, html=False):
        headers = {"Host": self.host, "Origin": f"http://{self.host}", "Sec-Fetch-Site": "same-origin"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if html:
            headers["Accept"] = "text/html"
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.getheaders(), response.read()
            except (http.client.HTTPException, ConnectionError):
                # The server closed a kept-alive connection: open a new one once.
                self.conn.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def sign_in(self, email):
        status, headers, _ = self.request("POST", "/api/sign_in", {"email": email, "password": PASSWORD}, html=True)
        cookie = next((v.split(";")[0] for k, v in headers if k.lower() == "set-cookie" and v.startswith("sm_session=")), None)
        if status not in (302, 303) or not cookie:
            raise SystemExit(f"load: sign-in of {email} answered {status}")
        self.cookie = cookie


def options(page, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    # A team that is not accepting messages is listed, but disabled.
    found = re.findall(r'<option([^>]*)value="([^"]+)"([^>]*)>', select.group(1) if select else "")
    return [value for before, value, after in found if "disabled" not in before + after]


def make_conversations(client, count):
    _, _, page = client.request("GET", "/messages/new", html=True)
    page = page.decode()
    teams, categories = options(page, "care_team"), options(page, "category")
    if not teams or not categories:
        raise SystemExit("load: the compose page offers no care team or category")
    threads = []
    for i in range(count):
        status, headers, _ = client.request(
            "POST",
            "/api/send_new_message",
            {
                "care_team": teams[i % len(teams)],
                "category": categories[i % len(categories)],
                "subject": f"Load conversation {i + 1}",
                "body": "Question about my medication refill.",
                "client_key": str(uuid.uuid4()),
                "draft_id": "",
            },
            html=True,
        )
        location = next((v for k, v in headers if k.lower() == "location"), "")
        found = re.search(r"/messages/(\d+)", location)
        if status not in (302, 303) or not found:
            raise SystemExit(f"load: making conversation {i + 1} answered {status} {location}")
        threads.append(int(found.group(1)))
    return threads


def closed_loop(clients, seconds, one_request, pid):
    """Runs `one_request(client)` on every client until `seconds` pass. Returns the
    latencies in ms, the failures, the elapsed seconds and the server's CPU seconds.

    The clients are spread over worker processes (forked, so each keeps its signed-in
    connection): Python threads in one process share one interpreter lock, and a single
    process could not send fast enough to keep the server busy."""
    processes = min(WORKER_PROCESSES, len(clients))
    results = multiprocessing.get_context("fork").Queue()
    deadline = time.perf_counter() + seconds

    def run(client, latencies, failures, lock):
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                ok = one_request(client)
            except (OSError, http.client.HTTPException):
                ok = False
            if ok:
                mine.append((time.perf_counter() - started) * 1000)
            else:
                failed += 1
        with lock:
            latencies.extend(mine)
            failures[0] += failed

    def worker(share):
        latencies, failures, lock = [], [0], threading.Lock()
        threads = [threading.Thread(target=run, args=(c, latencies, failures, lock)) for c in share]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results.put((latencies, failures[0]))

    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    forked = [
        multiprocessing.get_context("fork").Process(target=worker, args=(clients[i::processes],))
        for i in range(processes)
    ]
    for process in forked:
        process.start()
    latencies, failures = [], 0
    for _ in forked:
        mine, failed = results.get()
        latencies.extend(mine)
        failures += failed
    for process in forked:
        process.join()
    return latencies, failures, time.perf_counter() - started, cpu_seconds(pid) - cpu_before


def cpu_seconds(pid):
    """The CPU time the server has used, user and system, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        # The fields after the command name, which is in parentheses and may hold spaces.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def report(name, clients, result):
    latencies, failures, elapsed, cpu = result
    # Server CPU per answered request: what the server needs however fast the client is.
    cpu_ms = cpu * 1000 / max(1, len(latencies) + failures)
    print(
        f"{name:<22} {clients:>3} clients  {len(latencies) / elapsed:8.0f}/s  "
        f"p50 {percentile(latencies, 50):6.1f} ms  p95 {percentile(latencies, 95):6.1f} ms  "
        f"p99 {percentile(latencies, 99):6.1f} ms  failed {failures}  "
        f"server CPU {cpu_ms:.2f} ms/request"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("pid", type=int)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--conversations", type=int, default=200)
    args = parser.parse_args()

    print(f"load: server RSS at start {rss_mib(args.pid):.0f} MiB")
    clients = [Client(args.base) for _ in range(64)]
    for client in clients:
        client.sign_in(VETERAN)
    threads = make_conversations(clients[0], args.conversations)
    print(f"load: 64 sessions, {len(threads)} conversations")

    def reply(client):
        status, _, _ = client.request(
            "POST",
            "/api/send_reply",
            {"thread_id": random.choice(threads), "body": "Thank you, that helps.", "reply_key": str(uuid.uuid4())},
        )
        return status == 200

    def read_thread(client):
        status, _, _ = client.request("POST", "/api/load_thread", {"thread_id": random.choice(threads)})
        return status == 200

    def inbox(client):
        status, _, _ = client.request("GET", "/inbox", html=True)
        return status == 200

    for n in (1, 16, 64):
        report("replies (send_reply)", n, closed_loop(clients[:n], args.seconds, reply, args.pid))
    report("thread reads", 16, closed_loop(clients[:16], args.seconds, read_thread, args.pid))
    report("inbox pages", 16, closed_loop(clients[:16], args.seconds, inbox, args.pid))
    print(f"load: server RSS after the runs {rss_mib(args.pid):.0f} MiB")


if __name__ == "__main__":
    main()
