"""Peak memory of `finsam extract` on long inputs: a 2 MB text plan, a 300-page PDF plan, and
the 43-page corpus PDFs for comparison. Each runs in its own process; the figure is that
process's peak resident set (ru_maxrss from wait4). The goal is < 500 MB for any single input.

    .venv/bin/python bench/big_input_bench.py [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
PROSE_FROM = ["000_aeb16daac0bbbe6e", "001_012a687b5704bc5b", "002_5592b8b8950a13b6", "004_034b970862004510"]
LIMIT_MB = 500


def prose_lines() -> list[str]:
    """Long lines without figures from the corpus: paragraphs of plans."""
    return [line for stem in PROSE_FROM for line in (CORPUS / f"{stem}.txt").read_text(encoding="utf-8").split("\n")
            if len(line) > 80 and not any(c.isdigit() for c in line)]


def long_plan(size: int) -> str:
    """A real plan followed by numbered follow-up sections of prose until ``size`` bytes."""
    out = [(CORPUS / "003_336f07384b85b2b9.txt").read_text(encoding="utf-8")]
    prose, total, i = prose_lines(), len(out[0].encode()), 0
    while total < size:
        part = f"\n{i + 1}.{i % 7 + 1} Uppföljning av insats {i}\n\n{prose[i % len(prose)]}\n"
        out.append(part)
        total += len(part.encode())
        i += 1
    return "".join(out)


def render_pdf(text_path: Path, pdf_path: Path) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    import render_pdfs  # noqa: E402  (the corpus typesetter)

    render_pdfs.register_fonts()
    render_pdfs.render(text_path, pdf_path, 0)
    import pdfplumber

    with pdfplumber.open(pdf_path) as pdf:
        return len(pdf.pages)


def peak(path: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of `finsam extract PATH --format json`."""
    finsam = Path(sys.executable).parent / "finsam"
    start = time.perf_counter()
    proc = subprocess.Popen([str(finsam), "extract", str(path), "--format", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the inputs here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        text2 = folder / "plan-2mb.txt"
        text2.write_text(long_plan(2_000_000), encoding="utf-8")
        text300 = folder / "plan-300-pages.txt"
        text300.write_text(long_plan(780_000), encoding="utf-8")
        pdf300 = folder / "plan-300-pages.pdf"
        pages = render_pdf(text300, pdf300)
        rows = [("2 MB text plan", text2), (f"{pages}-page PDF plan ({pdf300.stat().st_size / 1e6:.1f} MB)", pdf300),
                ("corpus PDF 000 (8 pages)", CORPUS / "pdf" / "000_aeb16daac0bbbe6e.pdf")]
        print(f"{'input':40} {'seconds':>8} {'peak MB':>8}  exit")
        worst = 0.0
        for name, path in rows:
            seconds, mb, code = peak(path)
            worst = max(worst, mb)
            print(f"{name:40} {seconds:8.1f} {mb:8.0f}  {code}")
        print(f"largest peak {worst:.0f} MB (goal < {LIMIT_MB} MB): {'ok' if worst < LIMIT_MB else 'OVER'}")


if __name__ == "__main__":
    main()
