#!/usr/bin/env python3
"""Page loads under load, to catch page renders that stall (never answer, or answer 503
after the server's own timeout) and pages that are slow.

    python3 scripts/stall_check.py http://127.0.0.1:3000 [N=20000] [C=32]

Signs in once each as the Veteran Alex Rivera, the nurse and the administrator (one cookie
per person, shared by every worker: sign-in is rate limited), finds one of Alex's threads
and one of the nurse's team threads in the inbox pages, then makes N page loads from C
workers, each with its own keep-alive connection, cycling over /inbox, /messages/{id},
/team, /team/threads/{id} and /admin/audit, each as the person who would open it, reading
every body whole. A load gets 30 s.

Prints the counts by path and status, the latencies and the slowest loads. Exits 1 when
any load answered 5xx, took over 2 s, failed outright (timeout, connection error) or
answered other than 200; 2 when it cannot start (sign-in or finding the threads).

Start the server first (e.g. the release binary with `--demo`). A render that stalls
shows as a 503 after the server's 10 s page deadline (server/src/page_deadline.rs)."""
import collections
import http.client
import re
import sys
import threading
import time
import urllib.parse

SLOW_S = 2.0
TIMEOUT_S = 30.0
PASSWORD = "demo-password-2026"

base = urllib.parse.urlparse(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3000")
total = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
workers = int(sys.argv[3]) if len(sys.argv) > 3 else 32
host = base.netloc


def connect():
    return http.client.HTTPConnection(host, timeout=TIMEOUT_S)


def headers(cookie=None, form=False):
    # Server functions (sign-in) refuse requests without a same-site Origin.
    sent = {"Accept": "text/html", "Host": host, "Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}
    if form:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        sent["Cookie"] = cookie
    return sent


def fail(message):
    print(f"stall_check: {message}", file=sys.stderr)
    sys.exit(2)


def sign_in(email):
    conn = connect()
    body = f"email={urllib.parse.quote(email)}&password={PASSWORD}"
    conn.request("POST", "/api/sign_in", body=body, headers=headers(form=True))
    response = conn.getresponse()
    response.read()
    conn.close()
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("sm_session="):
            return value.split(";")[0]
    fail(f"sign-in of {email} answered {response.status} without a session cookie")


def page(path, cookie):
    conn = connect()
    conn.request("GET", path, headers=headers(cookie))
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    conn.close()
    if response.status != 200:
        fail(f"GET {path} answered {response.status}")
    return text


def first(pattern, text, what):
    found = re.search(pattern, text)
    if not found:
        fail(f"no {what} found")
    return found.group(1)


alex = sign_in("veteran@example.com")
nurse = sign_in("nurse@example.com")
admin = sign_in("admin@example.com")
thread = first(r'href="(/messages/\d+)"', page("/inbox", alex), "thread in Alex's inbox")
team_thread = first(r'href="(/team/threads/\d+)', page("/team", nurse), "thread in the nurse's team inbox")
cycle = [
    ("/inbox", alex),
    (thread, alex),
    ("/team", nurse),
    (team_thread, nurse),
    ("/admin/audit", admin),
]

lock = threading.Lock()
next_index = 0
# (seconds, path, status): status is the HTTP status, or the error's name.
results = []
reconnects = 0


def take():
    global next_index
    with lock:
        if next_index >= total:
            return None
        index = next_index
        next_index += 1
    return cycle[index % len(cycle)]


def load(conn, path, cookie):
    """One GET on `conn`, the body read whole: (status, seconds)."""
    started = time.perf_counter()
    conn.request("GET", path, headers=headers(cookie))
    response = conn.getresponse()
    response.read()
    return response.status, time.perf_counter() - started


def worker():
    global reconnects
    conn = connect()
    mine = []
    while (job := take()) is not None:
        path, cookie = job
        started = time.perf_counter()
        try:
            try:
                status, seconds = load(conn, path, cookie)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed the kept-alive connection before this request reached
                # it: send it again once, on a new connection.
                conn.close()
                conn = connect()
                with lock:
                    reconnects += 1
                status, seconds = load(conn, path, cookie)
        except (OSError, http.client.HTTPException) as error:
            status, seconds = type(error).__name__, time.perf_counter() - started
            conn.close()
            conn = connect()
        mine.append((seconds, path, status))
    conn.close()
    with lock:
        results.extend(mine)


def percentile(ordered, fraction):
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def progress(done_event, started):
    step = max(1, total // 10)
    shown = 0
    while not done_event.wait(5):
        with lock:
            taken = next_index
        if taken // step > shown:
            shown = taken // step
            print(f"  … {taken}/{total} started, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


print(f"stall_check: {total} page loads, {workers} workers, against {base.geturl()}")
print(f"  thread {thread}, team thread {team_thread}")
started = time.perf_counter()
done = threading.Event()
threading.Thread(target=progress, args=(done, started), daemon=True).start()
threads = [threading.Thread(target=worker) for _ in range(workers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
done.set()
wall = time.perf_counter() - started

ordered = sorted(seconds for seconds, _, _ in results)
by_path = collections.Counter(path for _, path, _ in results)
by_status = collections.Counter(str(status) for _, _, status in results)
server_errors = [r for r in results if isinstance(r[2], int) and r[2] >= 500]
failed = [r for r in results if not isinstance(r[2], int)]
other = [r for r in results if isinstance(r[2], int) and r[2] != 200 and r[2] < 500]
slow = [r for r in results if r[0] > SLOW_S]

print(f"total: {len(results)} loads in {wall:.1f} s ({len(results) / wall:.0f}/s), {reconnects} reconnects")
print("by path:")
for path, _ in cycle:
    times = sorted(s for s, p, _ in results if p == path)
    if times:
        print(
            f"  {path:24} {by_path[path]:6}   p50 {percentile(times, 0.50) * 1000:7.1f} ms"
            f"   p99 {percentile(times, 0.99) * 1000:7.1f} ms   max {times[-1] * 1000:8.1f} ms"
            f"   5xx {sum(1 for r in server_errors if r[1] == path)}"
            f"   over 2 s {sum(1 for r in slow if r[1] == path)}"
        )
print("by status: " + ", ".join(f"{status}: {count}" for status, count in sorted(by_status.items())))
print(f"5xx: {len(server_errors)}")
print(f"failed outright (timeout, connection): {len(failed)}")
print(f"other than 200: {len(other)}")
print(f"over {SLOW_S:g} s: {len(slow)}")
if ordered:
    print(
        "latency: "
        + "   ".join(f"{name} {percentile(ordered, q) * 1000:.1f} ms" for name, q in [("p50", 0.50), ("p95", 0.95), ("p99", 0.99)])
        + f"   max {ordered[-1] * 1000:.1f} ms"
    )
print("slowest:")
for seconds, path, status in sorted(results, key=lambda r: r[0], reverse=True)[:15]:
    print(f"  {seconds * 1000:9.1f} ms  {status}  {path}")

problems = len(server_errors) + len(failed) + len(other) + len(slow)
print("stall_check: " + ("FAILED" if problems else "passed"))
sys.exit(1 if problems else 0)
