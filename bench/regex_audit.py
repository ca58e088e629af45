"""Search every regular expression the ingest code runs on untrusted text for super-linear inputs.

    python bench/regex_audit.py [--units 300] [--size 2000] [--seed 1]

For each compiled pattern in ``knowledge.ingest.*`` and ``knowledge.files`` (module level, or in a
module-level dict), random inputs are built by repeating a short unit made of the pattern's own
literals and punctuation, then timed (``finditer`` over the whole string, as ``sub``/``findall``
do) at two sizes. A pattern is flagged when doubling the input more than triples the time, the
larger input takes over 5 ms, and doubling once more triples it again (noise on a loaded machine
rarely does that twice). Prints JSON: the worst input found per pattern and the flagged ones.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import knowledge.ingest  # noqa: E402

EXTRA = ("knowledge.files", "knowledge.store.convert")
GENERIC = [
    " ",
    "\n",
    "a",
    "A",
    "1",
    "_",
    "-",
    ".",
    "!",
    "<",
    ">",
    "/",
    '"',
    "'",
    "=",
    ":",
    "&",
    ";",
    "@",
    "(",
    ")",
]


def patterns() -> dict[str, re.Pattern[Any]]:
    names = [m.name for m in pkgutil.iter_modules(knowledge.ingest.__path__, "knowledge.ingest.")]
    found: dict[str, re.Pattern[Any]] = {}
    for module_name in [*names, *EXTRA]:
        module = importlib.import_module(module_name)
        for attr, value in vars(module).items():
            values = value.items() if isinstance(value, dict) else [(None, value)]
            for key, item in values:
                if isinstance(item, re.Pattern):
                    label = f"{module_name}.{attr}" + (f"[{key}]" if key is not None else "")
                    found[label] = item
    return found


def pieces(pattern: re.Pattern[Any]) -> list[str]:
    source = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode("latin-1")
    words = re.findall(r"[A-Za-z]{2,}", source)
    marks = [ch for ch in set(source) if not ch.isalnum() and ch not in "\\[](){}|*+?^$"]
    return list(dict.fromkeys([*words, *marks, *GENERIC]))


def timed(pattern: re.Pattern[Any], text: str) -> float:
    subject: Any = text.encode("utf-8", "replace") if isinstance(pattern.pattern, bytes) else text
    started = time.perf_counter()
    for _ in pattern.finditer(subject):
        pass
    return time.perf_counter() - started


def audit(pattern: re.Pattern[Any], rng: random.Random, units: int, size: int) -> dict[str, Any]:
    parts = pieces(pattern)
    worst: dict[str, Any] = {"ratio": 0.0, "ms": 0.0, "unit": ""}
    for _ in range(units):
        unit = "".join(rng.choice(parts) + rng.choice(["", " ", ""]) for _ in range(rng.randint(1, 4)))
        tail = rng.choice(parts)
        small = unit * (size // len(unit)) + tail
        large = unit * (2 * size // len(unit)) + tail
        t_small, t_large = timed(pattern, small), timed(pattern, large)
        if t_large > 0.005 and t_large / max(t_small, 1e-6) > 3.0:
            # a loaded machine makes 5 ms timings noisy: confirm at twice the size again
            t_small, t_large = t_large, timed(pattern, unit * (4 * size // len(unit)) + tail)
        if t_large > 0.005 and t_large / max(t_small, 1e-6) > worst["ratio"]:
            worst = {
                "ratio": round(t_large / max(t_small, 1e-6), 2),
                "ms": round(t_large * 1000, 2),
                "unit": unit,
            }
        elif worst["ratio"] == 0.0 and t_large * 1000 > worst["ms"]:
            worst = {"ratio": 0.0, "ms": round(t_large * 1000, 2), "unit": unit}
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=300, help="random units tried per pattern")
    parser.add_argument("--size", type=int, default=2000, help="characters of the smaller input")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="audit the patterns whose name holds this text")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    report = {}
    for label, pattern in patterns().items():
        if args.only in label:
            report[label] = audit(pattern, rng, args.units, args.size)
    flagged = sorted(k for k, v in report.items() if v["ratio"] > 3.0)
    print(
        json.dumps({"size": args.size, "units": args.units, "flagged": flagged, "patterns": report}, indent=1)
    )


if __name__ == "__main__":
    main()
