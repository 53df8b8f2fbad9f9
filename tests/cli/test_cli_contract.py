"""The command line's contract (issue 22): every user error is one line on stderr and exit 2,
never an internal error, with no file or temporary file left behind; errors that the command
line alone shows arrive before torch is imported; SIGTERM leaves nothing behind; outputs are
all or nothing (a figure with its sidecar), read-only targets are refused, links are written
through."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from compute.cli.main import main

# (command line, words of the one error line); files made by the fixture: empty.npy,
# corrupt.npy, huge.npy (a header claiming 8 TB), fifo.json, ro.npz (read-only), dir/
INTERNAL_BEFORE = [
    ("critical shamir --window=0,1e-300,0,1e-300", "too narrow"),
    ("grid shamir --window=1,1.0000000000001,0,1 --out n.npz", "too narrow"),
    ("descend shamir --start=1e308,1e308", "not finite at"),
    ("descend shamir --start=1e200,1e200 --json", "not finite at"),
    ("hessian shamir --at=1e308,1e308", "not finite at"),
    ("hessian li-yuan --set dim=3 --at-file empty.npy", "cannot read θ"),
    ("hessian li-yuan --set dim=3 --at-file corrupt.npy", "cannot read θ"),
    ("hessian li-yuan --set dim=3 --at-file huge.npy", "cannot read θ"),
    ("train li-yuan --set dim=3 --steps 3 --optimizer sgd --lr 1e308", "learning rate"),
    ("train residual-predictor --steps 2 --constraint ball:1e-300@w,V", "at least 1e-12"),
    ("grid shamir --resolution 3 --out " + "a" * 300 + ".npz", "longer than 255 bytes"),
    ("render fifo.json --out r.png", "not a regular file"),
    ("render /dev/zero --out r.png", "not a regular file"),
]
OPTIONS_ACT = [
    ("slice li-yuan --plane pca --train-steps 0 --out p.npz", "--train-steps N with N ≥ 1"),
    ("slice li-yuan --plane pca --steps 0 --out p.npz", "between 1 and"),
    ("slice li-yuan --plane pca --center final --out p.npz", "--center is for"),
    ("slice li-yuan --plane random --train-steps 9 --out p.npz", "--train-steps is for"),
    ("grid li-yuan --steps 9 --out p.npz", "needs none"),
    ("critical shamir --center final", "shamir is a toy"),
    ("hessian shamir --at=1,1 --tol inf", "--tol"),
    ("hessian shamir --at=1,1 --sopsp 0.1 --mu2 nan", "--mu2"),
    ("hessian shamir --at=1,1 --atol nan", "--atol"),
    ("gallery --only '' --out dir", "--only needs entry names"),
    ("gallery --only , --out dir", "--only needs entry names"),
    ("render s.json --device tpu --out r.png", "unknown device"),
    ("descend shamir --window=3,-3,-3,3 --start=1,1", "xmin < xmax"),
    ("descend li-yuan --window=1,-1,-1,1 --start=0,0", "xmin < xmax"),
    ("render s.json --out r.png --fps 5", "--fps is for animations"),
    ("render s.json --out r.png --width 20 --dpi 1200", "million pixels"),
    ("render s.json --out r.gif --fps 60 --seconds 120", "GB"),
    ("render s.json --out r.png --layout 9x9", "more than 26 cells"),
    ("critical nosuch", "unknown scenario"),
    ("grid shamir --resolution 3 --out ro.npz", "read-only"),
]
CASES = INTERNAL_BEFORE + OPTIONS_ACT
PARSE_TIME = [
    c
    for c in CASES
    if not c[0].startswith(
        ("descend shamir --start=1e", "hessian shamir --at=1e", "hessian li-yuan", "train")
    )
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir").mkdir()
    open(tmp_path / "empty.npy", "wb").close()
    (tmp_path / "corrupt.npy").write_bytes(b"\x93NUMPY garbage")
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    header = header.ljust(117) + "\n"
    (tmp_path / "huge.npy").write_bytes(
        b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
    )
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "s.json").write_text("{}")
    (tmp_path / "ro.npz").write_bytes(b"old")
    os.chmod(tmp_path / "ro.npz", 0o444)
    return tmp_path


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(("command", "needle"), CASES)
def test_every_user_error_is_one_line_exit_2_and_leaves_no_file(command, needle, workdir, capsys):
    before = _listing(workdir)
    argv = [a if a != "''" else "" for a in command.split()]
    code = main(argv)
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert code == 2 and out == "", (code, err)
    assert len(lines) == 1 and lines[0].startswith("landscape-explorer: error: "), err
    assert needle in lines[0] and "Traceback" not in err and "internal" not in err
    assert _listing(workdir) == before
    assert (workdir / "ro.npz").read_bytes() == b"old"


def test_errors_the_command_line_shows_arrive_before_torch_loads(workdir):
    """One subprocess runs every parse-time case and checks that torch was never imported
    (the 5–11 s a typo used to cost), and ``scenarios --json`` too."""
    cases = [[a if a != "''" else "" for a in c.split()] for c, _ in PARSE_TIME]
    script = textwrap.dedent(
        f"""
        import contextlib, io, json, sys
        from compute.cli.main import main
        codes = []
        for argv in {cases!r}:
            with contextlib.redirect_stderr(io.StringIO()):
                codes.append(main(argv))
        with contextlib.redirect_stdout(io.StringIO()) as out:
            codes.append(main(["scenarios", "--json"]))
        json.loads(out.getvalue())
        print(json.dumps({{"codes": codes, "torch": "torch" in sys.modules}}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=workdir
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["codes"] == [2] * len(cases) + [0]
    assert result["torch"] is False


@pytest.mark.parametrize("command", ["slice", "grid", "render", "gallery"])
def test_sigterm_mid_write_leaves_neither_target_nor_temporary(
    command, tmp_path, monkeypatch, capsys
):
    """SIGTERM (``timeout``'s default) arrives while the output is being written: the
    command ends with status 143 and one line, and the folder is as it was."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    argv = {
        "slice": [
            "slice",
            "li-yuan",
            "--set",
            "dim=3",
            "--set",
            "samples=16",
            "--plane",
            "random",
            "--resolution",
            "3",
            "--out",
            "out/s.npz",
        ],
        "grid": ["grid", "shamir", "--resolution", "4", "--out", "out/g.npz"],
        "render": [
            "render",
            str(SESSIONS / "shamir-a-plain.json"),
            "--max-steps",
            "3",
            "--out",
            "out/r.png",
            "--dpi",
            "60",
        ],
        "gallery": ["gallery", "--only", "seed-004-activations", "--out", "out", "--dpi", "60"],
    }[command]
    if command in ("slice", "grid"):
        real = np.savez_compressed

        def killed(fh, **arrays):
            fh.write(b"partial")
            os.kill(os.getpid(), signal.SIGTERM)
            real(fh, **arrays)

        monkeypatch.setattr(np, "savez_compressed", killed)
    else:
        from matplotlib.figure import Figure

        real = Figure.savefig

        def killed(self, fname, *args, **kwargs):
            real(self, fname, *args, **kwargs)  # the first file is complete, the second not
            if str(kwargs.get("format")) == "png":
                os.kill(os.getpid(), signal.SIGTERM)

        monkeypatch.setattr(Figure, "savefig", killed)
    code = main(argv)
    _, err = capsys.readouterr()
    assert code == 143 and err.strip().endswith("terminated"), err
    assert list(out.iterdir()) == []


def test_a_failed_sidecar_takes_its_figure_with_it(tmp_path, monkeypatch, capsys):
    import compute.figures.render as render
    from compute.errors import LandscapeError

    def failing(target, record, stamped=True):
        raise LandscapeError(f"cannot write {target}.json: No space left on device")

    monkeypatch.setattr(render, "write_sidecar", failing)
    argv = [
        "render",
        str(SESSIONS / "shamir-a-plain.json"),
        "--max-steps",
        "3",
        "--out",
        str(tmp_path / "f.png"),
        "--dpi",
        "60",
    ]
    assert main(argv) == 2
    assert "No space left" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_symlinked_out_is_written_through(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "link.npz").symlink_to("real.npz")
    assert main(["grid", "shamir", "--resolution", "4", "--out", "link.npz"]) == 0
    assert (tmp_path / "link.npz").is_symlink()
    assert np.load(tmp_path / "real.npz")["loss"].shape == (4, 4)


def test_center_final_moves_the_random_plane_to_the_trained_point(tmp_path, monkeypatch, capsys):
    """Issue 21 item 14: ``slice --plane random --center final`` is centred on the run's end."""
    monkeypatch.chdir(tmp_path)
    base = [
        "slice",
        "li-yuan",
        "--set",
        "dim=3",
        "--set",
        "samples=32",
        "--plane",
        "random",
        "--resolution",
        "3",
    ]
    assert main([*base, "--out", "i.npz"]) == 0
    assert main([*base, "--center", "final", "--train-steps", "200", "--out", "f.npz"]) == 0
    init, final = np.load("i.npz"), np.load("f.npz")
    assert not np.allclose(init["origin"], final["origin"])
    meta = json.loads(str(final["metadata"]))
    assert "around final" in meta["plane"]["description"]
    centre = init["loss"][1, 1], final["loss"][1, 1]
    assert centre[1] < 0.1 * centre[0]  # trained: far below the loss at θ₀


from compute.figures.gallery import SESSIONS  # noqa: E402


@pytest.mark.slow
def test_sigterm_closes_the_window_and_keeps_the_session(tmp_path):
    """`kill` (SIGTERM) on the window: it closes as File ▸ Quit does, within seconds, with the
    session autosaved and nothing on stderr (it used to raise inside a Qt callback, where
    PySide swallowed it, and the window ran on)."""
    import time

    from tests.cli.helpers import EXE

    autosave = tmp_path / "autosave.json"
    env = os.environ | {
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "LANDSCAPE_EXPLORER_AUTOSAVE": str(autosave),
    }
    proc = subprocess.Popen([EXE, "gui"], env=env, stderr=subprocess.PIPE, text=True)
    time.sleep(10)  # the window is up and idle
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Error calling Python override" not in err and "Traceback" not in err, err
    assert json.loads(autosave.read_text())["scenario"]
