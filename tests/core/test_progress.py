"""Progress (auromat_core.progress): tqdm's bar on a terminal, status lines in a log."""

from __future__ import annotations

import io
import sys

from auromat_core.progress import LOG_INTERVAL_SECONDS, progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_log_every_status_is_a_line_of_its_own(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    assert LOG_INTERVAL_SECONDS >= 10
    with progress_bar(total=40, desc="convert to cdf", unit="frame", dynamic_ncols=True) as bar:
        for _ in range(40):
            bar.update(1)
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and len(lines) == 2, lines
    assert lines[0].startswith("convert to cdf: 0/40 frames (0%), ")
    assert lines[1].startswith("convert to cdf: 40/40 frames (100%), ") and lines[1].endswith(" elapsed, 00:00 left")


def test_in_a_log_byte_counts_are_scaled_and_transient_bars_are_not_shown(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    list(progress_bar(range(3), total=2 * 2**20, unit="B", unit_scale=True, unit_divisor=1024, desc="batch"))
    with progress_bar(total=100, desc="one file", unit="B", leave=False) as bar:
        bar.update(100)
    assert log.getvalue().splitlines()[0].startswith("batch: 0.00B/2.00MB (0%)")
    assert "one file" not in log.getvalue()


def test_on_a_terminal_it_is_the_bar(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar(total=3, desc="info", unit="frame") as bar:
        bar.update(3)
    assert "\r" in terminal.getvalue() and "info: 100%|" in terminal.getvalue()


def test_disabled_it_shows_nothing(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    assert list(progress_bar(range(3), enabled=False, desc="x")) == [0, 1, 2]
    assert log.getvalue() == ""


def test_in_a_log_a_count_without_total_has_no_share_or_time_left(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    assert list(progress_bar(iter("abc"), desc="frames", unit="frame")) == ["a", "b", "c"]
    lines = log.getvalue().splitlines()
    assert lines[-1].startswith("frames: 3 frames, ") and lines[-1].endswith(" elapsed"), lines
