"""A real SMTP server for the route tests (aiosmtpd, installed by scripts/setup.sh).

Usage: smtp_sink.py PORT DIRECTORY [--refuse]

Listens on 127.0.0.1:PORT and writes each message it accepts to DIRECTORY as one JSON file
(envelope sender and recipients, headers, the decoded plain-text and HTML parts, and the raw
message), named in arrival order. With --refuse it answers every recipient with a permanent
550 instead. Prints "ready" once it listens; runs until killed.
"""

import email
import json
import os
import sys
import threading
from email import policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, refuse):
        self.directory = directory
        self.refuse = refuse
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": {name.lower(): str(value) for name, value in message.items()},
            "text": text.get_content() if text is not None else "",
            "html": html.get_content() if html is not None else "",
            "raw": envelope.content.decode("utf-8", "replace"),
        }
        self.count += 1
        name = os.path.join(self.directory, "%04d.json" % self.count)
        with open(name + ".part", "w") as out:
            json.dump(record, out)
        os.rename(name + ".part", name)
        return "250 Message accepted for delivery"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    refuse = "--refuse" in sys.argv[3:]
    controller = Controller(Sink(directory, refuse), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
