#!/usr/bin/env python3
"""Attachment throughput and the server's memory under parallel uploads.

Usage: python3 scripts/attachment_load.py http://127.0.0.1:3161 SERVER_PID [PARALLEL]

Signs in as the demo Veteran, makes drafts through the compose form's own endpoint, then:
1. uploads one 6 MiB PDF and downloads it again (checking the bytes), timing both;
2. uploads PARALLEL (default 10) 6 MiB PDFs at once, each onto its own draft, while
   sampling the server process's resident memory (/proc/PID/status) every 10 ms,
and prints MiB/s for each and the memory before and at its peak. Standard library only.
"""

import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

from release_server import postcard_first_int

MIB = 1024 * 1024
BOUNDARY = "----sm-load-boundary-5b1f0c"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Client:
    def __init__(self, base):
        parsed = urllib.parse.urlparse(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.cookie = None

    def request(self, method, path, body=b"", headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        all_headers = {"Sec-Fetch-Site": "same-origin"}
        if self.cookie:
            all_headers["Cookie"] = self.cookie
        all_headers.update(headers or {})
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def sign_in(self, email):
        form = urllib.parse.urlencode({"email": email, "password": "demo-password-2026"})
        response, _ = self.request(
            "POST",
            "/api/sign_in",
            form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
        )
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("sm_session="):
                self.cookie = value.split(";")[0]
                return
        raise RuntimeError(f"sign-in failed: {response.status}")

    def new_draft(self):
        form = urllib.parse.urlencode(
            {"draft_id": "", "care_team": "", "category": "", "subject": "Load", "body": "x"}
        )
        response, data = self.request(
            "POST",
            "/api/save_compose_draft",
            form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if response.status != 200:
            raise RuntimeError(f"draft: {response.status} {data[:200]!r}")
        return postcard_first_int(data)

    def upload(self, draft_id, name, content):
        body = (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
        ).encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()
        response, data = self.request(
            "POST",
            f"/attachments/drafts/{draft_id}",
            body,
            {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        if response.status != 200:
            raise RuntimeError(f"upload: {response.status} {data[:300]!r}")
        return json.loads(data)["accepted"][0]["id"]

    def download(self, attachment_id):
        response, data = self.request("GET", f"/attachments/{attachment_id}")
        if response.status != 200:
            raise RuntimeError(f"download: {response.status}")
        return data


def six_mib_pdf():
    return b"%PDF-1.7\n" + os.urandom(6 * MIB - 9)


def main():
    base, pid = sys.argv[1], int(sys.argv[2])
    parallel = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    client = Client(base)
    client.sign_in("veteran@example.com")
    content = six_mib_pdf()

    draft = client.new_draft()
    started = time.perf_counter()
    attachment = client.upload(draft, "load.pdf", content)
    upload_s = time.perf_counter() - started
    started = time.perf_counter()
    fetched = client.download(attachment)
    download_s = time.perf_counter() - started
    assert fetched == content, "downloaded bytes differ"
    print(f"one 6 MiB upload:   {upload_s:.3f} s = {6 / upload_s:.1f} MiB/s")
    print(f"one 6 MiB download: {download_s:.3f} s = {6 / download_s:.1f} MiB/s (verified)")

    drafts = [client.new_draft() for _ in range(parallel)]
    contents = [six_mib_pdf() for _ in range(parallel)]
    before = rss_kib(pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    errors = []

    def one(i):
        try:
            client.upload(drafts[i], f"load-{i}.pdf", contents[i])
        except Exception as error:  # reported below; the run fails
            errors.append(error)

    started = time.perf_counter()
    workers = [threading.Thread(target=one, args=(i,)) for i in range(parallel)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if errors:
        raise SystemExit(f"{len(errors)} uploads failed: {errors[0]}")
    print(
        f"{parallel} parallel 6 MiB uploads: {elapsed:.2f} s = "
        f"{6 * parallel / elapsed:.1f} MiB/s in all"
    )
    print(
        f"server memory (RSS): {before / 1024:.1f} MiB before, {peak[0] / 1024:.1f} MiB at "
        f"peak (+{(peak[0] - before) / 1024:.1f} MiB)"
    )


if __name__ == "__main__":
    main()
