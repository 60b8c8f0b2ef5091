#!/usr/bin/env python3
"""Makes app/data/common-passwords.txt.gz, the list of common passwords the app refuses.

Source: SecLists' "10-million-password-list-top-1000000" (Mark Burnett's ten million
passwords, ranked by how often each was used; SecLists is MIT-licensed), as shipped in the
crates.io crate passablewords 1.0.1 (MIT), `src/common-passwords.txt`. Fetch it with cargo
(any project depending on `passablewords = "=1.0.1"`, then `cargo fetch`) and give its path:

    python3 scripts/common_passwords.py ~/.cargo/registry/src/*/passablewords-1.0.1/src/common-passwords.txt

Kept: the 100,000 most used passwords, all of them, and, of the next 900,000, every one of
12 or more characters (shorter ones are refused by the length rule already). Each is folded
the way the app folds a password before looking it up (lower case, no white space),
duplicates dropped, sorted by byte, one a line, gzipped without a time stamp so the file
is the same at every run.
"""

import gzip
import sys

TOP = 100_000
MIN_CHARS = 12


def fold(password: str) -> str:
    return "".join(password.split()).lower()


def main(source: str, target: str) -> None:
    with open(source, "rb") as file:
        lines = file.read().split(b"\n")
    kept = set()
    for rank, raw in enumerate(lines):
        try:
            password = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue  # the app's passwords are UTF-8: such a line can never match
        folded = fold(password)
        if folded and (rank < TOP or len(folded) >= MIN_CHARS):
            kept.add(folded)
    text = "".join(p + "\n" for p in sorted(kept, key=lambda p: p.encode("utf-8")))
    with open(target, "wb") as out:
        out.write(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(kept)} passwords in {target}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "app/data/common-passwords.txt.gz")
