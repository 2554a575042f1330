"""Run every benchmark (``make bench``): exact NPS interval coverage, metric speed, render times.

Each script prints ratios against a baseline measured in the same run, never pass/fail timings
for the test suite. Pass ``--quick`` to skip the slow render and engine benchmarks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["coverage_nps.py", "coverage_design.py", "coverage_calibration.py",
           "coverage_drivers.py", "coverage_alpha.py", "coverage_linked.py", "speed_metrics.py",
           "speed_read.py", "speed_engines.py", "speed_replicates.py", "speed_intervals.py",
           "speed_drivers.py", "render_charts.py", "render_speed.py"]
SLOW = ("render_speed.py", "speed_engines.py", "coverage_linked.py", "speed_replicates.py")


def main(argv: list[str]) -> int:
    scripts = [s for s in SCRIPTS if not ("--quick" in argv and s in SLOW)]
    status = 0
    for script in scripts:
        print(f"\n=== {script} ===", flush=True)
        extra = ["--quick"] if "--quick" in argv and script == "speed_read.py" else []
        status |= subprocess.call([sys.executable, str(HERE / script), *extra])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
