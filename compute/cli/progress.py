"""Progress of long command-line work on stderr (a tqdm bar when stderr is a terminal, silence
otherwise), and draining generators with it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Generator
from typing import Any, TypeVar

from tqdm import tqdm

from compute.cli.confirm import Estimate
from compute.dynamics.optimizers import RunConfig
from compute.dynamics.run_records import RunChunk, RunHistory, run_to_end

R = TypeVar("R")


def _bar(total: int | None, what: str) -> tqdm[Any]:
    terminal = sys.stderr.isatty()
    try:  # a terminal may report 0 columns (a serial console, some CI ptys): then assume 80
        columns = os.get_terminal_size(sys.stderr.fileno()).columns if terminal else 0
    except OSError:
        columns = 0
    return tqdm(
        total=total,
        desc=what,
        file=sys.stderr,
        disable=not terminal,
        leave=False,
        dynamic_ncols=columns > 0,
        ncols=None if columns > 0 else 80,
    )


def drain_progress(
    gen: Generator[Any, None, R],
    what: str,
    fraction: Callable[[Any], tuple[int, int]] | None = None,
) -> R:
    """Run ``gen`` to its end; ``fraction(item) -> (done, total)`` drives the bar and the
    estimate of long work (else each item's text is shown as the bar's status)."""
    estimate = Estimate(what)
    with _bar(None, what) as bar:
        while True:
            try:
                item = next(gen)
            except StopIteration as stop:
                return stop.value
            if fraction is not None:
                done, total = fraction(item)
                bar.total = total
                bar.update(done - bar.n)  # redraws at most every mininterval (0.1 s)
                estimate.seen(done, total)
            elif isinstance(item, str):
                bar.set_postfix_str(item[:60])


def run_with_progress(
    run: Generator[RunChunk, None, RunChunk], config: RunConfig, what: str
) -> RunHistory:
    """``run_to_end`` with a bar over the run's steps."""
    bar = _bar(config.steps, what)
    estimate = Estimate(what)

    def watched() -> Generator[RunChunk, None, RunChunk]:
        while True:
            try:
                chunk = next(run)
            except StopIteration as stop:
                return stop.value
            bar.update(chunk.step - bar.n)  # redraws at most every mininterval (0.1 s)
            estimate.seen(chunk.step, config.steps)
            yield chunk

    try:
        return run_to_end(watched())
    finally:
        bar.close()
