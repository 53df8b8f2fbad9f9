"""glibc keeps freed memory once ``keep_freed_memory`` ran (``compute.allocator``): a freed
16 MiB block stays in the heap for the next tensor instead of being unmapped, and the console
script sets it up before any command runs."""

import subprocess
import sys

import pytest

PROBE = """
import ctypes, sys
import numpy as np
from compute import keep_freed_memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "kept":
    assert keep_freed_memory()
block = np.ones(16 << 20, dtype=np.uint8)  # 16 MiB
mapped = libc.mallinfo2().hblkhd  # bytes in mmapped blocks
del block
print(mapped >= 16 << 20, libc.mallinfo2().fordblks >= 16 << 20)
"""


def probe(mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_tensors_stay_in_the_heap_for_the_next_one():
    # by default a fresh process maps a 16 MiB block on its own and unmaps it when freed
    assert probe("default") == "True False"
    # kept: the block comes from the heap and stays there, free, when released
    assert probe("kept") == "False True"


def test_the_console_script_keeps_freed_memory_before_any_command(monkeypatch):
    from explorer import launcher

    calls = []
    monkeypatch.setattr(launcher, "keep_freed_memory", lambda: calls.append("kept") or True)
    monkeypatch.setattr(launcher, "cli_main", lambda argv, gui: calls.append("command") or 0)
    assert launcher.main(["scenarios"]) == 0
    assert calls == ["kept", "command"]
