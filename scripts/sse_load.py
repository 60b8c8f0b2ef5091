#!/usr/bin/env python3
"""Opens many live-update streams (/events) at once and reports the server's memory.

Usage: python3 scripts/sse_load.py http://127.0.0.1:3199 SERVER_PID [CONNECTIONS]

Signs in as the demo nurse, opens CONNECTIONS (default 1000) server-sent-event streams
with that session, checks each answered 200 with text/event-stream, holds them all open,
and prints the server process's resident memory before and with them (from /proc). Then
measures fan-out: Dr. Morgan Patel (same team) starts a reply five times, and the time from
her request to the moment the last of the streams has the event is printed. Standard
library only.
"""

import asyncio
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def sign_in(base: str, email: str = "nurse@example.com") -> str:
    form = urllib.parse.urlencode(
        {"email": email, "password": "demo-password-2026"}
    ).encode()
    request = urllib.request.Request(
        f"{base}/api/sign_in",
        data=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "text/html",
            "Sec-Fetch-Site": "same-origin",
            "Origin": base,
        },
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(request)
        headers = response.headers
    except urllib.error.HTTPError as answer:  # the 302 after signing in
        headers = answer.headers
    for cookie in headers.get_all("Set-Cookie") or []:
        if cookie.startswith("sm_session="):
            return cookie.split(";")[0]
    raise RuntimeError("sign-in gave no session cookie")


async def open_stream(host: str, port: int, cookie: str):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        (
            f"GET /events HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Accept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n")[0] or b"text/event-stream" not in head:
        raise RuntimeError(head.decode(errors="replace"))
    return reader, writer


def same_origin(base: str, cookie: str) -> dict:
    return {"Cookie": cookie, "Sec-Fetch-Site": "same-origin", "Origin": base}


def a_team_thread(base: str, cookie: str) -> str:
    request = urllib.request.Request(f"{base}/team", headers={"Cookie": cookie})
    page = urllib.request.urlopen(request).read().decode()
    return re.search(r"/team/threads/(\d+)", page).group(1)


async def until_heard(reader, name: bytes):
    while name not in await reader.readline():
        pass


async def fan_out(base: str, streams, thread_id: str, cookie: str) -> float:
    """Seconds from Dr. Patel's announcement to the last stream hearing it."""
    form = urllib.parse.urlencode({"thread_id": thread_id}).encode()
    request = urllib.request.Request(
        f"{base}/api/announce_replying", data=form, headers=same_origin(base, cookie)
    )
    started = time.perf_counter()
    waiting = [until_heard(reader, b"Dr. Morgan Patel") for reader, _ in streams]
    await asyncio.get_running_loop().run_in_executor(None, urllib.request.urlopen, request)
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=30)
    return time.perf_counter() - started


async def main():
    base, pid = sys.argv[1], int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    url = urllib.parse.urlparse(base)
    cookie = sign_in(base)
    before = rss_kib(pid)
    streams = []
    for start in range(0, count, 100):
        batch = [open_stream(url.hostname, url.port, cookie) for _ in range(start, min(count, start + 100))]
        streams += await asyncio.gather(*batch)
    await asyncio.sleep(2)
    held = rss_kib(pid)
    print(f"streams open: {len(streams)}")
    print(f"server RSS before: {before / 1024:.1f} MiB")
    print(f"server RSS with {len(streams)} streams: {held / 1024:.1f} MiB")
    print(f"per stream: {(held - before) / len(streams):.1f} KiB")
    thread_id = a_team_thread(base, cookie)
    morgan = sign_in(base, "clinician@example.com")
    times = []
    for _ in range(5):
        times.append(await fan_out(base, streams, thread_id, morgan))
        await asyncio.sleep(1)
    print(
        f"fan-out to all {len(streams)} streams: median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms (5 events)"
    )
    for _, writer in streams:
        writer.close()


asyncio.run(main())
