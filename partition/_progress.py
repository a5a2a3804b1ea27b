"""Progress bars on stderr for long runs, drawn by tqdm (``tqdm.auto``: a widget in notebooks).

Kernels run in short calls; the caller reports how far it has got with ``update(done)``.
"""

from __future__ import annotations

import sys


class Progress:
    """Call ``update(done)`` with the work done so far, then ``close()`` (one final line).

    Disabled bars cost nothing and print nothing.
    """

    def __init__(self, total: int, label: str, enabled: bool, unit: str = "it") -> None:
        self.total = max(int(total), 1)
        self.done = 0
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=self.total, desc=label, unit=unit, file=sys.stderr, dynamic_ncols=True
            )

    def update(self, done: int) -> None:
        done = min(int(done), self.total)
        if self.bar is not None and done > self.done:
            self.bar.update(done - self.done)
        self.done = max(self.done, done)

    def close(self) -> None:
        """End the bar where it stands: a run that stopped early does not show 100%."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
