"""CPU time of a benchmarked server: a load-independent cost per request, beside the noisy rates."""

from __future__ import annotations

import psutil


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU time of a process, with its child processes' (`serve --workers N`)."""
    procs = [psutil.Process(pid)]
    if children:
        procs += procs[0].children(recursive=True)
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:  # ended meanwhile
            continue
        total += t.user + t.system
    return total
