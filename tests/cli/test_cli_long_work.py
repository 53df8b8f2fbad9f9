"""Long work says so (issue: never a silent minute): after its first seconds a slice prints the
time left at its measured rate; on a terminal it asks and stops on "n" (exit 2, one line, no
output file); ``--yes`` and batch jobs (no terminal) go on. The threshold is lowered through
LANDSCAPE_EXPLORER_LONG_SECONDS so that a slice of a few seconds counts as long."""

import os
import select
import subprocess
import time

import pytest

from .helpers import EXE

pytestmark = pytest.mark.slow
SLICE = ("slice", "digits-resnet", "--plane", "random", "--resolution", "241")


def _env():
    return os.environ | {"LANDSCAPE_EXPLORER_LONG_SECONDS": "1"}


def _read_until(fd, needle: bytes, seconds: float = 120) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while needle not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"never saw {needle!r}: {seen[-400:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the pty closed: the process ended
                break
            if not chunk:
                break
            seen += chunk
    return seen


def _on_a_terminal(tmp_path, *extra):
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [EXE, *SLICE, "--out", str(tmp_path / "s.npz"), *extra],
        stdin=slave,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=_env(),
        cwd=tmp_path,
    )
    os.close(slave)
    return proc, master


def test_on_a_terminal_it_asks_and_no_stops_with_one_line_and_no_file(tmp_path):
    proc, master = _on_a_terminal(tmp_path)
    try:
        seen = _read_until(master, b"continue? [y/N]")
        assert b"more at the rate of its first" in seen
        os.write(master, b"n\n")
        assert proc.wait(60) == 2
        rest = _read_until(master, b"stopped at your answer", 10)
        assert b"error: slice stopped at your answer (--yes goes on without asking)" in rest
        assert b"Traceback" not in seen + rest
    finally:
        proc.kill()
        os.close(master)
    assert not (tmp_path / "s.npz").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary


def test_with_yes_on_a_terminal_it_says_so_and_goes_on(tmp_path):
    proc, master = _on_a_terminal(tmp_path, "--yes")
    try:
        seen = _read_until(master, b"more at the rate of its first")
        time.sleep(1.0)
        assert proc.poll() is None  # still computing: no question waits for an answer
        if select.select([master], [], [], 0)[0]:
            seen += os.read(master, 65536)
        assert b"continue?" not in seen
    finally:
        proc.terminate()
        proc.wait(30)
        os.close(master)


def test_a_batch_job_gets_the_estimate_on_stderr_and_goes_on(tmp_path):
    proc = subprocess.Popen(
        [EXE, *SLICE, "--out", str(tmp_path / "s.npz")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=tmp_path,
    )
    try:
        line = proc.stderr.readline().decode()
        assert line.startswith("slice: about ") and "at the rate of its first" in line
        time.sleep(1.0)
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(30)
        proc.stderr.close()
