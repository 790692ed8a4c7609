"""A writer killed mid-way leaves the previous output (or none), never a truncated one."""

import os
import signal
import subprocess
import sys
import time

WRITER = """
import sys, pandas as pd
from stance.io import write_csv
frame = pd.DataFrame({"text": ["a statement of some length, repeated"] * 3_000_000})
write_csv(frame, __import__("pathlib").Path(sys.argv[1]))
"""


def test_sigkill_during_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "statements.csv"
    target.write_text("previous,complete\n")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)])
    deadline = time.time() + 60
    while not any(p.name.startswith(".statements.csv.") and p.stat().st_size > 1_000_000 for p in tmp_path.iterdir()):
        assert writer.poll() is None and time.time() < deadline, "the writer finished before it could be killed"
        time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert target.read_text() == "previous,complete\n"


def test_completed_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "statements.csv"
    target.write_text("previous\n")
    subprocess.run([sys.executable, "-c", WRITER.replace("3_000_000", "10"), str(target)], check=True)
    lines = target.read_text().splitlines()
    assert lines[0] == "text" and len(lines) == 11
    assert [p.name for p in tmp_path.iterdir()] == ["statements.csv"]
