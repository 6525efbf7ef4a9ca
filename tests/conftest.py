import json
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLD = CORPUS / "gold"
TEXTS = sorted(CORPUS.glob("*.txt"))


@lru_cache(maxsize=None)
def extracted(path: str):
    import pipeline

    return pipeline.run(path)


def gold(stem: str, kind: str) -> dict:
    return json.loads((GOLD / f"{stem}.{kind}.json").read_text(encoding="utf-8"))


@pytest.fixture(params=TEXTS, ids=lambda p: p.stem)
def corpus_text(request):
    return request.param
