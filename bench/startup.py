"""Start-up cost: `sharebot --help` vs a bare interpreter, interleaved runs.

Also times `sharebot preview` of the seed (for information) and checks that
neither command loads the platform SDKs, SQLAlchemy or APScheduler.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "posts" / "china-russia-partnership.txt"
RUNS = 15
TARGET = 4.0
HEAVY = ("atproto", "praw", "sqlalchemy", "apscheduler")


def wall(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def heavy_imports(command: str) -> list[str]:
    code = (
        "import sys\nfrom bot.cli import main\n"
        f"main({command.split()!r})\n"
        f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    line = done.stdout.strip().splitlines()[-1].removeprefix("HEAVY:")
    return [m for m in line.split(",") if m]


def main() -> None:
    bare, helps, previews = [], [], []
    for _ in range(RUNS):
        bare.append(wall([sys.executable, "-c", "pass"]))
        helps.append(wall([sys.executable, "-m", "bot", "--help"]))
    for _ in range(5):
        previews.append(wall([sys.executable, "-m", "bot", "preview", str(SEED), "--json"]))
    b, h, p = statistics.median(bare), statistics.median(helps), statistics.median(previews)
    print(f"python -c pass: {b * 1e3:.1f} ms (median of {RUNS})")
    print(f"sharebot --help: {h * 1e3:.1f} ms (median of {RUNS})")
    print(f"sharebot preview seed --json: {p * 1e3:.1f} ms (median of 5, information)")
    for command in ("--help", f"preview {SEED} --json"):
        loaded = heavy_imports(command) or "none"
        print(f"heavy modules after `sharebot {command.split()[0]}`: {loaded}")
    print(f"RESULT help_startup_ratio {h / b:.2f} target <= {TARGET:g}")


if __name__ == "__main__":
    main()
