"""Write a synthetic archive of plans with known gold (see tests/synth.py).

    python scripts/make_archive.py --n 1000 --out /tmp/archive --seed 1
    python scripts/make_archive.py --n 50 --out /tmp/archive --inject-rate 0.3 --templates 000,004

Each plan is `<NNNNN>_<template>_<place>_<plan year>.txt` with its `.gold.json` next to it:
association, plan_year, every budget figure (label, year, amount_sek, raw) and the findings
the audit must report (none unless a mistake was injected; the 003 template keeps its own).
The same seed gives the same archive.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import synth  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="how many plans (default 100)")
    ap.add_argument("--out", type=Path, required=True, help="folder to write into (created if missing)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--inject-rate", type=float, default=0.0,
                    help="share of plans that get one known mistake in a total (default 0: every table adds up)")
    ap.add_argument("--templates", default=",".join(synth.TEMPLATES),
                    help=f"corpus plans to vary, comma-separated (default {','.join(synth.TEMPLATES)})")
    args = ap.parse_args(argv)
    templates = tuple(t.strip() for t in args.templates.split(",") if t.strip())
    unknown = [t for t in templates if t not in synth.TEMPLATES]
    if unknown:
        ap.error(f"unknown template(s) {unknown}; choose from {list(synth.TEMPLATES)}")
    if not 0 <= args.inject_rate <= 1:
        ap.error("--inject-rate is a share between 0 and 1")
    t0 = time.perf_counter()
    paths = synth.write_archive(args.out, args.n, args.seed, args.inject_rate, templates)
    took = time.perf_counter() - t0
    per_template = Counter(p.name.split("_")[1] for p in paths)
    size = sum(p.stat().st_size for p in paths) / 2 ** 20
    print(f"{len(paths)} plans ({size:.1f} MiB) in {args.out} in {took:.1f} s; "
          + ", ".join(f"{t}: {c}" for t, c in sorted(per_template.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
