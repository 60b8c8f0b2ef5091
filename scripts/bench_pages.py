#!/usr/bin/env python3
"""Server time of pages, measured from a client on the same machine (loopback, so the time
is the server's). Signs in as a demo person, then requests each page N times in a row and
prints p50 / p95 / max in milliseconds.

    python3 scripts/bench_pages.py http://127.0.0.1:3000 [N] [veteran|team]

`veteran` (the default): the Veteran's inbox, a thread, the inbox's second page.
`team`: the nurse's team inbox (all her teams), its filters, a team thread.

Start the server first on the database to measure (e.g. one filled by `seed-bulk`)."""
import http.client
import re
import statistics
import sys
import time
import urllib.parse

base = urllib.parse.urlparse(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3000")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
host = base.netloc


def request(method, path, body=None, cookie=None):
    conn = http.client.HTTPConnection(host, timeout=30)
    headers = {"Accept": "text/html", "Host": host, "Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        headers["Cookie"] = cookie
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    return response, data.decode("utf-8", "replace"), elapsed


mode = sys.argv[3] if len(sys.argv) > 3 else "veteran"
email = {"veteran": "veteran%40example.com", "team": "nurse%40example.com"}[mode]
response, _, _ = request("POST", "/api/sign_in", f"email={email}&password=demo-password-2026")
cookie = next(v.split(";")[0] for k, v in response.getheaders() if k.lower() == "set-cookie" and v.startswith("sm_session="))
if mode == "veteran":
    _, inbox, _ = request("GET", "/inbox", cookie=cookie)
    thread = re.search(r'href="(/messages/\d+)"', inbox)
    pages = {"/inbox": "/inbox"}
    if thread:
        pages["thread page"] = thread.group(1)
    older = re.search(r'href="(/inbox\?[^"]+)"', inbox)
    if older:
        pages["/inbox, second page"] = older.group(1).replace("&amp;", "&")
else:
    _, inbox, _ = request("GET", "/team", cookie=cookie)
    thread = re.search(r'href="(/team/threads/\d+)[^"]*"', inbox)
    pages = {
        "/team": "/team",
        "/team unassigned": "/team?filter=unassigned",
        "/team overdue": "/team?filter=overdue",
        "/team keyword": "/team?q=refills",
    }
    if thread:
        pages["team thread"] = thread.group(1)

for name, path in pages.items():
    times = []
    for _ in range(runs):
        response, _, elapsed = request("GET", path, cookie=cookie)
        assert response.status == 200, (path, response.status)
        times.append(elapsed)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{name:22} n={runs}  p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  max {times[-1]:6.1f} ms")
