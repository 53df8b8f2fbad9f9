"""An unusable data folder (a read-only home, a file in its way) never stops the explorer: the
autosave and the log go to a folder of the user's in the temporary directory, the window says so
once, and nothing reaches stderr (issue: `gui` when its data folder is not writable)."""

import os
import subprocess
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from explorer import session_io

from ..cli.helpers import EXE


def test_a_file_in_the_way_moves_autosave_and_log_to_a_spare_folder(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way")
    monkeypatch.setattr(
        QStandardPaths, "writableLocation", lambda *_: str(blocked / "Landscape Explorer")
    )
    monkeypatch.delenv("LANDSCAPE_EXPLORER_AUTOSAVE", raising=False)
    session_io.data_folder.cache_clear()  # decided once per process: decide again here
    folder, note = session_io.data_folder()
    assert folder != blocked / "Landscape Explorer" and folder.is_dir()
    assert str(blocked / "Landscape Explorer") in note and "Not a directory" in note
    assert str(folder) in note and "\n" not in note
    assert session_io.autosave_path() == folder / "autosave.json"
    # the usual place, when it works, is used as it is, without a note
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda *_: str(tmp_path / "ok"))
    session_io.data_folder.cache_clear()
    assert session_io.data_folder() == (tmp_path / "ok", "")
    session_io.data_folder.cache_clear()  # later tests see the real location


def test_the_window_starts_with_an_unusable_data_folder_and_writes_nothing_to_stderr(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way")
    env = os.environ | {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(blocked),
        "XDG_CONFIG_HOME": str(blocked),  # matplotlib's cache cannot go there either
    }
    for key in ("LANDSCAPE_EXPLORER_AUTOSAVE", "LANDSCAPE_EXPLORER_SETTINGS", "MPLCONFIGDIR"):
        env.pop(key, None)
    proc = subprocess.Popen(
        [EXE, "gui"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    time.sleep(10)  # started, first map painted, warm-up imports done
    running = proc.poll() is None
    proc.kill()
    out, err = proc.communicate(timeout=30)
    assert running, err.decode()
    assert err.decode().strip() == "" and out.decode().strip() == ""
    spare = Path(tempfile.gettempdir()) / f"landscape-explorer-{os.getuid()}"
    assert (spare / "explorer.log").exists()
