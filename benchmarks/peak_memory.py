"""Peak memory of the programs a benchmark runs."""

from __future__ import annotations


def high_water_mb(pid: int) -> float:
    """A running process's peak RSS so far (VmHWM), in MB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
