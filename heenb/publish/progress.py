"""Build progress: a progress bar on a terminal, plain lines otherwise (as in CI logs)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from heenb.publish.outcome import BUILT, Outcome


def _line(outcome: Outcome) -> str:
    mark = "ok" if outcome.status == BUILT else "FAILED"
    error = f": {outcome.error}" if outcome.error else ""
    return f"{mark:6} {outcome.output} ({outcome.seconds:.1f} s){error}"


class LineProgress:
    """One line per finished report, e.g. ``[3/25] ok     objective/x.html (1.2 s)``."""

    def __init__(self, emit: Callable[[str], None] = print):
        self.emit = emit
        self.total = self.done = 0

    def start(self, message: str, total: int) -> None:
        self.total, self.done = total, 0
        self.emit(message)

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.emit(f"[{self.done}/{self.total}] {_line(outcome)}")

    def close(self) -> None:
        """Nothing to tidy: each line is complete."""


class BarProgress:
    """A tqdm bar on standard error; failures are printed above it as they happen."""

    def __init__(self):
        self.bar = None

    def start(self, message: str, total: int) -> None:
        from tqdm import tqdm

        print(message, file=sys.stderr, flush=True)
        if total:
            self.bar = tqdm(total=total, unit="report", file=sys.stderr, dynamic_ncols=True)

    def update(self, outcome: Outcome) -> None:
        if outcome.status != BUILT:
            self.bar.write(_line(outcome), file=sys.stderr)
        self.bar.set_postfix_str(outcome.output, refresh=False)
        self.bar.update()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def progress_for(emit: Callable[[str], None] | None) -> LineProgress | BarProgress:
    """Lines passed to ``emit``; without it, a bar on a terminal, else lines on standard output."""
    if emit is not None:
        return LineProgress(emit)
    return BarProgress() if sys.stderr.isatty() else LineProgress(_print_flushed)


def _print_flushed(line: str) -> None:
    print(line, flush=True)
