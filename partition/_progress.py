"""A dependency-free progress bar on stderr for long runs."""

from __future__ import annotations

import sys
import time


class Progress:
    """Call ``update(done)``; prints at most twice a second, and a final line on ``close``."""

    def __init__(self, total: int, label: str, enabled: bool) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.enabled = enabled
        self.start = time.perf_counter()
        self.last = 0.0

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.last < 0.5 and done < self.total:
            return
        self.last = now
        frac = done / self.total
        bar = "#" * int(30 * frac)
        elapsed = now - self.start
        eta = elapsed / frac - elapsed if frac > 0 else float("nan")
        sys.stderr.write(
            f"\r{self.label} [{bar:<30}] {frac:6.1%}  {elapsed:6.1f} s elapsed, ~{eta:5.1f} s left"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            self.update(self.total)
            sys.stderr.write("\n")
            sys.stderr.flush()
