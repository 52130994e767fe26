"""Start-up cost: `sharebot --help` vs a bare interpreter, interleaved runs (which goes
first alternates). The RESULT is the ratio of the totals (min/median/max of the runs'
ratios beside it); exit 1 when it misses its target, or when a command loads a heavy
module. Also times `sharebot preview` of the seed (for information) and checks that
neither command loads the platform SDKs, SQLAlchemy or APScheduler.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._results import finish, ratio_result, result, rotation  # noqa: E402

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
    sides = [
        (bare, [sys.executable, "-c", "pass"]),
        (helps, [sys.executable, "-m", "bot", "--help"]),
    ]
    for r in range(RUNS):
        for times, args in rotation(sides, r):
            times.append(wall(args))
    for _ in range(5):
        previews.append(wall([sys.executable, "-m", "bot", "preview", str(SEED), "--json"]))
    b, h, p = statistics.median(bare), statistics.median(helps), statistics.median(previews)
    print(f"python -c pass: {b * 1e3:.1f} ms (median of {RUNS})")
    print(f"sharebot --help: {h * 1e3:.1f} ms (median of {RUNS})")
    print(f"sharebot preview seed --json: {p * 1e3:.1f} ms (median of 5, information)")
    heavy = 0
    for command in ("--help", f"preview {SEED} --json"):
        loaded = heavy_imports(command)
        heavy += len(loaded)
        print(f"heavy modules after `sharebot {command.split()[0]}`: {loaded or 'none'}")
    ratio_result("help_startup_ratio", helps, bare, "<=", TARGET)
    result("heavy_modules_at_startup", heavy, "<=", 0, digits=0)
    finish()


if __name__ == "__main__":
    main()
