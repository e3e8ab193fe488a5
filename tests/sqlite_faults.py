"""A SQLite writer killed half way through a transaction, for the crash tests and the fault-injection benchmark."""

from __future__ import annotations

import signal
import subprocess
import sys

# Its cache is kept tiny so that changed pages reach the file before the commit: a hot rollback journal stays behind.
KILLED_WRITER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA cache_size=2")
db.execute("BEGIN IMMEDIATE")
db.execute("CREATE TABLE half_written (x BLOB)")
for _ in range(1500):
    db.execute("INSERT INTO half_written VALUES (randomblob(4000))")
print("mid-write", flush=True)
time.sleep(120)
"""


def kill_mid_write(sqlite_file) -> None:
    """Start a write transaction on `sqlite_file` in another process and SIGKILL it once it is mid-write."""
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(sqlite_file)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert writer.stdout.readline().strip() == "mid-write"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
