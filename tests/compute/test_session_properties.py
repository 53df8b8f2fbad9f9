"""Properties: whatever JSON reaches the session loader, and whatever arguments reach the CLI,
the answer is a clean refusal (LandscapeError; exit status 2 with one line) or a valid,
round-tripping result (exit 0), never another exception or a traceback."""

import contextlib
import copy
import io
import json
import os
import tempfile

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from compute.cli.main import main
from compute.errors import LandscapeError
from compute.sessions.file import from_json, load, to_json
from compute.sessions.session import default_session

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
any_json = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = ["format", "version", "scenario", "params", "l2", "constraint", "window", "resolution"]
KEYS += ["view", "optimizer", "runs", "plane", "in_plane", "batch_size", "unknown"]
SPECIAL = st.sampled_from(
    [
        0,
        1,
        2,
        0.5,
        -1,
        2.5,
        1e308,
        -1e308,
        2**63,
        "ball:2",
        "ball:2@W",
        "box:0",
        "ball:1@w,v",
        "",
        "x" * 300,
    ]
)
SPECIAL |= st.sampled_from(
    [[], {}, [1, 2], [-3, 3, -3, 3], True, None, "shamir", "li-yuan", float("nan")]
)
VALID = [
    to_json(default_session()),
    to_json(default_session("li-yuan").with_changes(constraint="ball:0.5@W", in_plane=True)),
    to_json(default_session("psd-factorization").with_changes(l2=0.1, constraint="box:1")),
]


def _accepted_or_refused(data):
    """The loader's contract on parsed JSON: a LandscapeError, or a Session that round-trips."""
    try:
        s = from_json(data)
    except LandscapeError as err:
        assert "\n" not in str(err) and len(str(err)) < 400
        event("refused")
        return None
    event("accepted")
    assert from_json(json.loads(json.dumps(to_json(s)))) == s
    return s


@settings(max_examples=150, deadline=None)
@given(any_json)
def test_random_json_is_refused_cleanly(data):
    _accepted_or_refused(data)
    _accepted_or_refused({"format": "landscape-explorer-session", "version": 2, "x": data})


@st.composite
def mutated(draw):
    """A valid session file with one to three fields replaced, removed, added or nested into."""
    data = copy.deepcopy(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.sampled_from([1, 1, 2, 3]))):
        key = draw(st.sampled_from(KEYS))
        action = draw(st.sampled_from(["replace", "special", "special", "delete", "nested"]))
        if action == "delete":
            data.pop(key, None)
        elif action == "nested" and isinstance(data.get(key), dict) and data[key]:
            inner = draw(st.sampled_from(sorted(data[key])))
            data[key][inner] = draw(st.one_of(SPECIAL, any_json))
        elif action == "nested" and key == "runs":
            data["runs"] = [
                draw(
                    st.dictionaries(
                        st.sampled_from(
                            ["start", "at", "theta", "in_plane", "optimizer", "plane", "color"]
                        ),
                        st.one_of(SPECIAL, any_json),
                        max_size=4,
                    )
                )
            ]
        else:
            data[key] = draw(SPECIAL if action == "special" else any_json)
    return data


@settings(max_examples=200, deadline=None)
@given(mutated())
def test_mutated_sessions_are_refused_cleanly_or_round_trip(data):
    _accepted_or_refused(data)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(), any_json))
def test_the_same_through_a_file(data):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "s.json")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, allow_nan=True))
        try:
            s = load(path)
        except LandscapeError as err:
            assert "\n" not in str(err)
            return
        assert from_json(to_json(s)) == s


MODES = [["--l2", "0.1"], ["--constraint", "ball:1.5"], ["--constraint", "box:1"], ["--json"]]
RUNS = [["--steps", "3"], ["--lr", "0.01"], ["--optimizer", "adam"], ["--trajectory", "none"]]
MAPS = [["--window=-2,2,-2,2"], ["--window=-2,2"], ["--resolution=3"], ["--plane", "random"]]
COMMANDS = {
    "critical": ([], MODES + MAPS),
    "descend": (["--start=1,1"], MODES + RUNS + MAPS + [["--start=0.5"]]),
    "grid": (["--out", "x.npz", "--resolution=3"], MODES + MAPS),
    "train": ([], MODES + RUNS),
    "slice": (["--plane", "random", "--out", "s.npz", "--resolution=3"], MODES + MAPS),
}
SCENARIOS = ["shamir", "activation", "psd-factorization", "li-yuan", "nope"]
OPTIONS = ["--set", "--l2", "--constraint", "--window", "--start", "--steps", "--lr", "--seed"]
OPTIONS += ["--optimizer", "--resolution", "--out", "--json", "--trajectory", "--plane"]
OPTIONS += ["--batch-size", "--momentum", "--device", "--points", "--center", "--help", "-h"]
VALUES = ["-1", "0", "1", "2", "3", "nan", "inf", "1e308", "-1e308", "abc", "", "x.npz", "dir"]
VALUES += ["ball:1", "ball:1e308", "ball:1@W", "box:-1", "eps=0.5", "eps=abc", "seed=1"]
VALUES += ["steps=2", "dim=2", "1,1", "=-1,1", "-3,3,-3,3", "gd", "adam", "thin", "none", "pca"]
VALUES += ["random", "/dev/full", "cuda", "é", "--", "1" * 400, "scenarios", "hessian", "gui"]
# few and cheap on purpose: a tiny li-yuan, a few steps
FAST = ["--set=dim=2", "--set=samples=8", "--set=test_samples=1", "--steps=3"]


@st.composite
def argv(draw):
    """A command line that would work (the command's required options, valid ones drawn from
    its own) with zero to two words replaced, inserted or dropped: the refusals and the work
    behind them are both reached."""
    command = draw(st.sampled_from(sorted(COMMANDS)))
    required, valid = COMMANDS[command]
    words = [command, draw(st.sampled_from(SCENARIOS)), *required]
    for _ in range(draw(st.integers(0, 3))):
        words += draw(st.sampled_from(valid))
    if words[1] == "li-yuan":
        words += FAST  # keep network runs tiny
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        at = draw(st.integers(0, len(words)))
        word = draw(st.sampled_from(OPTIONS + VALUES) | st.text(max_size=6))
        action = draw(st.sampled_from(["replace", "insert", "drop"]))
        if action == "insert" or at == len(words):
            words.insert(at, word)
        elif action == "replace":
            words[at] = word
        else:
            del words[at]
    return words


@settings(max_examples=40, deadline=None)
@given(argv())
def test_random_command_lines_exit_0_or_2_with_at_most_one_error_line(words):
    with tempfile.TemporaryDirectory() as folder:
        os.mkdir(os.path.join(folder, "dir"))
        cwd = os.getcwd()
        out, err = io.StringIO(), io.StringIO()
        try:
            os.chdir(folder)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(words)
                except SystemExit as stop:  # --help, --version
                    code = stop.code
        finally:
            os.chdir(cwd)
    text = err.getvalue()
    event(f"exit {code} ({words[0] if words else ''}) {text[28:60]}")
    assert code in (0, 2, None), (words, text)
    assert "Traceback" not in text and "internal error" not in text, (words, text)
    if code == 2:
        assert len(text.splitlines()) == 1 and text.startswith("landscape-explorer: error:")


GALLERY_TOYS = ["shamir-a-plain.json", "shamir-c-ball.json", "square-activation.json"]
MUTABLE = ["l2", "constraint", "window", "view", "optimizer", "runs", "plane", "in_plane"]


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(GALLERY_TOYS),
    st.sampled_from(MUTABLE),
    st.one_of(SPECIAL, any_json),
)
def test_a_session_that_loads_also_renders(name, key, value):
    """Issue 22: a session the loader accepts never fails later because of its content: the
    scene (map, runs, overlays) computes without a LandscapeError (small resolution and few
    steps keep each example fast)."""
    from compute.figures.gallery import SESSIONS
    from compute.figures.scene import scene_from_session
    from compute.generators import drain

    data = json.loads((SESSIONS / name).read_text())
    data[key] = copy.deepcopy(value)
    data["resolution"] = 16
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "s.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        try:
            session = load(path)
        except LandscapeError:
            event("refused at load")
            return
    event("loaded")
    drain(scene_from_session(session, None, max_steps=5))
