"""Run every benchmark in this folder (each is a script with a main())."""
import runpy
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
for script in sorted(here.glob("*_bench.py")):
    print(f"== {script.name}")
    sys.argv = [str(script)]
    runpy.run_path(str(script), run_name="__main__")
