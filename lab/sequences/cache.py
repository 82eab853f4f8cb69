"""The real run's default result, shipped precomputed so the page opens at once.

`bench/sequences_run.py --write` computes the default seed's run with exactly
the code the page runs and writes assets/sequences_default.json: plain JSON
(numbers and strings, nothing executable) with a hash of the source files
that determine it (`lab.core.workers.code_version`, which keys a worker's
results too). `preload` keeps it for every session only while the hash
matches the code here now; otherwise the page trains (slower, never wrong). A
unit test checks the hash and recomputes the numbers, so a stale file fails.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from lab.core.workers import code_version
from lab.sequences import run as R
from lab.sequences.state import SeqState

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "assets" / "sequences_default.json"
FORMAT = 1
DEFAULT_SEED = SeqState().rseed


def code_hash() -> str:
    """A hash of the code behind the numbers (`lab.sequences.run.CODE`): it
    changes whenever that code does."""
    return code_version(*R.CODE)


def to_json(result: R.RunResult) -> str:
    """The result as JSON text (floats exactly: Python's repr)."""
    doc = {
        "what": "Sequences & padding: the real run at the default seed. "
        "Regenerate with `python -m bench.sequences_run --write`.",
        "format": FORMAT,
        "code_hash": code_hash(),
        "result": asdict(result),
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def load(path: Path = SHIPPED) -> tuple[str, R.RunResult]:
    """(the code hash, the result) from a file `to_json` wrote.

    Raises OSError, ValueError, KeyError or TypeError when it is missing or
    malformed."""
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT:
        raise ValueError(f"{path.name}: format {doc.get('format')!r}, not {FORMAT}")
    return str(doc["code_hash"]), R.from_dict(doc["result"])


@lru_cache(maxsize=4)
def _shipped(path: Path) -> R.RunResult | None:
    try:
        digest, result = load(path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return result if digest == code_hash() else None


def preload(path: Path = SHIPPED) -> bool:
    """Keep the shipped result for every session unless the file is missing,
    malformed, or was computed by other code (then False, nothing kept)."""
    result = _shipped(path)
    if result is None:
        return False
    if not R.is_ready(result.seed):
        R.remember(result)
    return True
