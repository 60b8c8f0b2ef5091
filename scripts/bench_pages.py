#!/usr/bin/env python3
"""Server time of pages, measured from a client on the same machine (loopback, so the time
is the server's). Signs in as a demo person, then requests each page N times in a row and
prints p50 / p95 / max in milliseconds.

    python3 scripts/bench_pages.py http://127.0.0.1:3000 [N] [veteran|team|admin]

`veteran` (the default): the Veteran's inbox, a thread, the inbox's second page.
`team`: the nurse's team inbox (all her teams), its filters, a team thread.
`admin`: the administrator's report and audit log pages.

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


def sign_in(email):
    response, _, _ = request("POST", "/api/sign_in", f"email={urllib.parse.quote(email)}&password=demo-password-2026")
    return next(v.split(";")[0] for k, v in response.getheaders() if k.lower() == "set-cookie" and v.startswith("sm_session="))


def veteran_pages(cookie):
    _, inbox, _ = request("GET", "/inbox", cookie=cookie)
    thread = re.search(r'href="(/messages/\d+)"', inbox)
    pages = {"/inbox": "/inbox"}
    if thread:
        pages["thread page"] = thread.group(1)
    older = re.search(r'href="(/inbox\?[^"]+)"', inbox)
    if older:
        pages["/inbox, second page"] = older.group(1).replace("&amp;", "&")
    return pages


def admin_pages(cookie):
    """The report's default (the first facility, the last 30 days), one team over a year,
    and the audit log unfiltered, its second page, and filtered by each kind of filter."""
    _, report, _ = request("GET", "/admin/reports", cookie=cookie)
    team = re.search(r'value="(team:\d+)"[^>]*>Pharmacy', report).group(1)
    today = time.strftime("%Y-%m-%d")
    year_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 364 * 86400))
    week_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 7 * 86400))
    _, audit, _ = request("GET", "/admin/audit", cookie=cookie)
    before = re.search(r'name="before" value="([^"]+)"', audit)
    pages = {
        "report, facility, 30 days": "/admin/reports",
        "report, Pharmacy, 365 days": f"/admin/reports?report_on={team}&from={year_ago}&to={today}",
        "audit log, newest": "/admin/audit",
        "audit, person (email)": "/admin/audit?person=nurse%40example.com",
        "audit, person (name part)": "/admin/audit?person=bulk+veteran+77",
        "audit, patient (email)": "/admin/audit?patient=veteran%40example.com",
        "audit, action": "/admin/audit?action=thread_read",
        "audit, outcome denied": "/admin/audit?outcome=denied",
        "audit, last 7 days": f"/admin/audit?from={week_ago}&to={today}",
    }
    if before:
        pages["audit log, second page"] = f"/admin/audit?before={before.group(1)}"
    return pages


def team_pages(cookie):
    """The nurse's team inbox (all her teams), its filters, and a team thread."""
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
    return pages


mode = sys.argv[3] if len(sys.argv) > 3 else "veteran"
if mode == "admin":
    cookie = sign_in("admin@example.com")
    pages = admin_pages(cookie)
elif mode == "team":
    cookie = sign_in("nurse@example.com")
    pages = team_pages(cookie)
else:
    cookie = sign_in("veteran@example.com")
    pages = veteran_pages(cookie)

for name, path in pages.items():
    times = []
    for _ in range(runs):
        response, _, elapsed = request("GET", path, cookie=cookie)
        assert response.status == 200, (path, response.status)
        times.append(elapsed)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{name:28} n={runs}  p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  max {times[-1]:6.1f} ms")
