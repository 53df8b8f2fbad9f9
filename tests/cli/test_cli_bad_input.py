"""Bad input on the command line (issue 11's table): each case ends with exit status 2 and
exactly one readable line on stderr, no traceback, nothing on stdout and no file left behind;
accepted edge cases exit 0 with valid output. Most cases run ``compute.cli.main.main`` in-process
(fast); a few run the console script to see what a terminal sees."""

import errno
import fcntl
import json
import os
import pty
import select
import signal
import stat
import struct
import subprocess
import termios
import time

import numpy as np
import pytest

from compute.cli.main import main

from .helpers import EXE

BAD = [
    # windows whose span overflows (hi − lo = inf) or whose F would
    ("critical shamir --window=-1e308,1e308,-1,1", "too large"),
    ("grid shamir --window=-1e308,1e308,-1,1 --out w.npz", "too large"),
    ("grid shamir --window=-1e150,1e150,-1e150,1e150 --out b.npz", "not finite anywhere"),
    ("critical shamir --window=3,-3,-3,3", "xmin < xmax"),
    ("critical shamir --window=-1,1,-1,1,2", "window of 4 numbers"),
    ("grid activation --window=-1,1,-1,1 --out a.npz", "window of 2 numbers"),
    # constraint sets and L2 strengths that overflow R², λ·I
    ("critical shamir --constraint ball:1e308", "at most"),
    ("descend shamir --start=1,1 --constraint box:1e308", "at most"),
    ("critical shamir --constraint ball:0", "positive"),
    ("critical shamir --constraint ball:1@w", "shamir is a toy"),
    ("train li-yuan --steps 2 --constraint ball:1@zz", "no parameter block 'zz' (blocks: W)"),
    ("train li-yuan --steps 2 --constraint ball:1@W,,x", "block names"),
    ("critical shamir --l2 1e308", "at most"),
    ("critical shamir --l2=-1", "≥ 0"),
    # parameters and seeds
    ("train li-yuan --seed 1 --set seed=abc", "give the seed once"),
    ("train li-yuan --set seed=abc", "not a number"),
    ("critical shamir --set eps=1e400", "finite"),
    ("critical shamir --set eps", "NAME=VALUE"),
    ("train li-yuan --set dim=100000 --steps 1", "outside"),
    ("critical " + "y" * 5000, "unknown scenario"),
    ("train shamir", "toy"),
    # outputs: a folder, an empty name, no suffix, a device, a missing folder
    ("grid shamir --out dir", "folder"),
    ("grid shamir --out=", "empty"),
    ("grid shamir --out name", "use .npz"),
    ("grid shamir --out /dev/full", "use .npz"),
    ("grid shamir --out missing/g.npz", "does not exist"),
    ("slice li-yuan --plane random --out dir/", "empty"),
    # sizes of work
    ("grid shamir --resolution 100000 --out r.npz", "between 2 and 4096"),
    ("slice li-yuan --plane random --resolution 100000 --out s.npz", "between 2 and 4096"),
    ("grid shamir --resolution=-5 --out r.npz", "between 2 and 4096"),
    ("descend shamir --start=1,1 --steps 1000001", "between 1 and 1000000"),
    ("descend shamir --start=1,1 --steps 0", "between 1 and 1000000"),
    ("train li-yuan --steps 2 --batch-size -1", "batch size"),
    # numbers
    ("descend shamir --start=nan,1", "finite"),
    ("descend shamir --start=1e999,1", "finite"),
    ("descend shamir --start=1", "needs 2 numbers"),
    ("descend shamir --start=1,1 --lr nan", "learning rate"),
    ("descend shamir --start=1,1 --optimizer momentum --momentum 1e308", "momentum"),
    ("descend li-yuan --start=0,0 --device tpu", "device"),
    ("slice li-yuan --plane points --points init,final --out p.npz", "three names"),
    ("slice li-yuan --plane random --center nowhere --out p.npz", "no reference point"),
    ("", "choose a command first, one of: scenarios, grid"),
    ("--bogus", "choose a command first"),
]


def _run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_error_line(err, needle):
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("landscape-explorer: error: ") and needle in lines[0], lines[0]
    assert "Traceback" not in err and len(lines[0]) < 400


@pytest.mark.parametrize(("command", "needle"), BAD)
def test_bad_input_is_one_line_and_exit_2_with_no_file_left(
    command, needle, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir").mkdir()
    code, out, err = _run(command.split() if command else [], capsys)
    assert code == 2 and out == ""
    _one_error_line(err, needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir"]
    assert list((tmp_path / "dir").iterdir()) == []


def test_a_full_disk_leaves_no_file_and_says_so(tmp_path, monkeypatch, capsys):
    """/dev/full's ENOSPC, simulated at the flush of the temporary file."""
    monkeypatch.chdir(tmp_path)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("compute.outputs.os.fsync", full)
    code, _, err = _run(["grid", "shamir", "--resolution", "8", "--out", "g.npz"], capsys)
    assert code == 2
    _one_error_line(err, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_slice_json_reports_the_file_it_wrote_readable_by_others(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["slice", "li-yuan", "--set", "dim=3", "--set", "samples=16", "--plane", "random"]
    code, out, err = _run([*args, "--resolution", "3", "--out", "sub.npz", "--json"], capsys)
    assert code == 0 and err == ""
    written = json.loads(out)["out"]
    assert written == "sub.npz" and [p.name for p in tmp_path.iterdir()] == ["sub.npz"]
    assert np.load(tmp_path / written)["loss"].shape == (3, 3)
    mode = stat.S_IMODE((tmp_path / written).stat().st_mode)
    umask = os.umask(0o022)
    os.umask(umask)
    assert mode == 0o666 & ~umask  # as open() would create it (mkstemp's files are 0600)


def test_long_runs_thin_or_drop_their_json_trajectory(capsys):
    base = ["descend", "shamir", "--start=2,2", "--lr", "1e-4", "--steps", "2000", "--json"]
    code, out, _ = _run(base, capsys)
    data = json.loads(out)
    assert code == 0 and data["steps"] == 2000 and data["status"] == "max_steps"
    path = data["trajectory"]
    assert len(path) == 1000 and path[0] == [2.0, 2.0] and path[-1] == data["final_point"]
    code, out, _ = _run([*base, "--trajectory", "none"], capsys)
    assert code == 0 and "trajectory" not in json.loads(out)
    code, out, _ = _run([*base, "--trajectory", "full"], capsys)
    assert len(json.loads(out)["trajectory"]) == 2001


def test_numpy_runtime_warnings_never_reach_stderr(monkeypatch, capsys):
    """An overflow inside a command (here planted in ``scenarios``) is not printed as numpy's
    RuntimeWarning (under pytest such a warning is an error: it would end as exit 1)."""

    def overflowing(args):
        assert not np.isfinite(np.float64(1e308) * np.float64(10))
        return 0

    monkeypatch.setattr("compute.cli.scenarios.run", overflowing)
    code, _, err = _run(["scenarios"], capsys)
    assert code == 0 and err == ""


@pytest.mark.slow
@pytest.mark.parametrize("columns", [100, 0])
def test_a_long_descent_shows_progress_on_a_terminal_and_stops_on_ctrl_c(columns):
    """``descend --steps 1000000`` (minutes of work) draws a progress bar when stderr is a
    terminal (also one that reports 0 columns), and Ctrl+C ends it with one line and status
    130, not a traceback."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    proc = subprocess.Popen(
        [EXE, "descend", "shamir", "--start=2,2", "--lr", "1e-9", "--steps", "1000000"],
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while b"/1000000" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 4096)
        assert b"descent" in seen and b"/1000000" in seen, seen
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
        rest = b""
        while select.select([master], [], [], 0.5)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            rest += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        assert proc.stdout is not None
        stdout = proc.stdout.read()
        proc.stdout.close()
    text = (seen + rest).decode(errors="replace")
    assert "landscape-explorer: interrupted" in text and "Traceback" not in text
    assert stdout == b""


def test_the_console_script_prints_one_line_for_bad_input(tmp_path):
    out = subprocess.run(
        [EXE, "grid", "shamir", "--window=-1e308,1e308,-1,1", "--out", "w.npz"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 2 and out.stdout == ""
    _one_error_line(out.stderr, "too large")
    assert list(tmp_path.iterdir()) == []
