"""Plans per second through `pipeline.run` (what `finsam extract` does) on the corpus texts, and
where the time goes.

    python bench/extract_bench.py [--rounds N] [--top N] [--no-profile]

Single process, warm: one round first (it builds the language pipeline), then the median over
``--rounds`` rounds of each set: the five corpus texts (corpus/*.txt) and the twelve plans of
other templates (corpus/more/*.txt). The target is >= 50 plans/s per core. Then one profiled round
(cProfile) of both sets, its time grouped by stage (ingest, layout, tables, audit, plan) and the
functions that take the most time of their own.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pipeline  # noqa: E402

TARGET = 50.0  # plans/s per core, warm
SETS = {"corpus": "*.txt", "corpus/more": "*.txt"}

# stage -> the functions that make it (module path, function name), as pipeline.stages calls them
STAGES: dict[str, list[tuple[str, str]]] = {
    "ingest": [("extractor/ingest/__init__.py", "load")],
    "layout": [("extractor/layout/blocks.py", "segment"), ("extractor/layout/sections.py", "build"),
               ("extractor/layout/sections.py", "to_sections")],
    "tables": [("extractor/tables/build.py", "parse_tables")],
    "audit": [("extractor/audit/checks.py", "audit"), ("extractor/audit/checks.py", "errors_in")],
    "plan": [("extractor/plan/metadata.py", "extract"), ("extractor/plan/metadata.py", "is_plan"),
             ("extractor/plan/metadata.py", "speaks_of_plan"), ("extractor/plan/metadata.py", "content_start"),
             ("extractor/plan/projects.py", "extract"), ("extractor/plan/goals.py", "extract"),
             ("extractor/plan/goals.py", "attach"), ("extractor/plan/projects.py", "link_budget_rows"),
             ("extractor/plan/projects.py", "amounts_from_budget")],
}


def rate(files: list[Path], rounds: int) -> float:
    """Median seconds of one round over ``files``."""
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for f in files:
            pipeline.run(f)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def stage_times(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative seconds of each stage's functions (the audit's checks that the table reader calls
    count for the audit, not the tables)."""
    found = {(str(Path(file).resolve()), name): entry for (file, _, name), entry in stats.stats.items()}
    out = {}
    for stage, funcs in STAGES.items():
        out[stage] = sum(found[(str(ROOT / file), name)][3] for file, name in funcs if (str(ROOT / file), name) in found)
    errors_in = found.get((str(ROOT / "extractor/audit/checks.py"), "errors_in"))
    if errors_in:
        out["tables"] -= errors_in[3]
    return out


def short(func: tuple[str, int, str]) -> str:
    file, line, name = func
    path = Path(file)
    try:
        file = str(path.resolve().relative_to(ROOT))
    except ValueError:
        parts = path.parts
        file = "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts else path.name
    return f"{file}:{line}({name})" if line else name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--top", type=int, default=15, help="functions listed by their own time")
    ap.add_argument("--no-profile", action="store_true")
    args = ap.parse_args()
    sets = {name: sorted((ROOT / name).glob(glob)) for name, glob in SETS.items()}
    everything = [f for files in sets.values() for f in files]
    t0 = time.perf_counter()
    for f in everything:
        pipeline.run(f)
    print(f"first round of all {len(everything)} plans {time.perf_counter() - t0:.2f} s (builds the language pipeline)")
    total_s = 0.0
    for name, files in sets.items():
        med = rate(files, args.rounds)
        total_s += med
        kib = sum(f.stat().st_size for f in files) / 1024
        print(f"{name + '/*.txt':20} {len(files):3} plans {kib:4.0f} KiB: median {med:.3f} s a round = "
              f"{len(files) / med:5.1f} plans/s, {kib / med:4.0f} KiB/s")
    per_s = len(everything) / total_s
    print(f"{'all':20} {len(everything):3} plans: {per_s:.1f} plans/s, {1000 / per_s:.1f} ms a plan "
          f"(target >= {TARGET:g} plans/s per core: {'met' if per_s >= TARGET else 'NOT met'})")
    if args.no_profile:
        return
    prof = cProfile.Profile()
    prof.enable()
    for f in everything:
        pipeline.run(f)
    prof.disable()
    stats = pstats.Stats(prof)
    whole = next(entry[3] for (file, _, name), entry in stats.stats.items()
                 if name == "run" and Path(file).resolve() == ROOT / "pipeline.py")  # the profiled round
    stages = stage_times(stats)
    print(f"\nprofile of one round of all {len(everything)} plans (cProfile, {whole:.2f} s with its overhead), by stage:")
    for stage, s in stages.items():
        print(f"  {stage:8} {s:6.3f} s {100 * s / whole:5.1f} %")
    rest = whole - sum(stages.values())
    print(f"  {'other':8} {rest:6.3f} s {100 * rest / whole:5.1f} %  (pipeline.stages itself: the plan model)")
    print(f"\nthe {args.top} functions with the most time of their own:")
    print(f"  {'own s':>7} {'cum s':>7} {'calls':>8}  function")
    top = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[: args.top]
    for func, (_, calls, own, cum, _) in top:
        print(f"  {own:7.3f} {cum:7.3f} {calls:8}  {short(func)}")


if __name__ == "__main__":
    main()
