"""The Train vs eval page's default classifier results, shipped precomputed.

The first visitor used to wait for three classifiers to train (several seconds
on a 2-core CPU, more on a busy one) before the page's default view appeared.
The default view's numbers (every pitfall at the default classifier seed and
shift) are computed by `bench/train_eval_classifier.py --write` with exactly
the code the page runs and shipped as plain JSON (numbers and strings only,
nothing executable), with a hash of the source files that determine them.

`preload` puts them into the classifier's process-wide memo, but only while
that hash matches the code: if the code changed and nobody regenerated the file,
the page computes the numbers itself (slower, never wrong). A unit test checks
the hash and recomputes every number, so a stale file fails the tests.

Pure Python and numpy-free JSON: no Streamlit here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from lab.train_eval import classifier as C
from lab.train_eval import costs as K
from lab.train_eval.state import TrainEvalState
from lab.train_eval.stream import PAGE_FAMILIES

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "assets" / "train_eval_default.json"
SOURCES: tuple[Path, ...] = tuple(
    ROOT.joinpath(*m.split(".")).with_suffix(".py") for m in C.CODE
)
"""The files whose code computes the shipped numbers (data, model, training,
serving, the three measurements, the thread setting, the engine that serves
one example in train mode): the classifier's `CODE`, which keys a worker's
results too."""
FORMAT = 1
DEFAULT = TrainEvalState()


def code_hash() -> str:
    """SHA-256 of `SOURCES`: changes whenever the code behind the numbers does."""
    h = hashlib.sha256()
    for path in SOURCES:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


Results = tuple[dict[str, K.ServingCosts], K.StaleCosts, K.FinetuneCosts]


def compute(seed: int = DEFAULT.cseed, shift: float = DEFAULT.cshift) -> Results:
    """Every pitfall's numbers at ``seed`` and ``shift``, as the page computes them."""
    serving = {fam: K.serving_costs(fam, seed) for fam in PAGE_FAMILIES}
    return serving, K.stale_costs(seed), K.finetune_costs(seed, shift)


def to_json(results: Results, seed: int, shift: float) -> str:
    """The results as JSON text (floats written exactly: Python's repr)."""
    serving, stale, finetune = results
    doc = {
        "what": "Train vs eval: the classifier's pitfalls in the default view. "
        "Regenerate with `python -m bench.train_eval_classifier --write`.",
        "format": FORMAT,
        "code_hash": code_hash(),
        "seed": int(seed),
        "shift": float(shift),
        "serving": {fam: asdict(c) for fam, c in serving.items()},
        "stale": asdict(stale),
        "finetune": asdict(finetune),
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def save(path: Path, results: Results, seed: int, shift: float) -> None:
    path.write_text(to_json(results, seed, shift), encoding="utf-8")


def _score(d: dict[str, float]) -> C.Score:
    return C.Score(float(d["accuracy"]), float(d["auc"]))


def _scores(items: list[dict[str, float]]) -> tuple[C.Score, ...]:
    return tuple(_score(d) for d in items)


def _serving(d: dict[str, Any]) -> K.ServingCosts:
    return K.ServingCosts(
        family=str(d["family"]),
        sizes=tuple(int(b) for b in d["sizes"]),
        eval=_scores(d["eval"]),
        train=_scores(d["train"]),
        sorted_train=_score(d["sorted_train"]),
        torch_error=None if d["torch_error"] is None else str(d["torch_error"]),
        constant_at_one=bool(d["constant_at_one"]),
    )


def _stale(d: dict[str, Any]) -> K.StaleCosts:
    return K.StaleCosts(
        shifts=tuple(float(s) for s in d["shifts"]),
        **{k: _scores(d[k]) for k in ("stale", "recalibrated", "batch_stats")},
        layer=_scores(d["layer"]),
        rms=_scores(d["rms"]),
    )


def _finetune(d: dict[str, Any]) -> K.FinetuneCosts:
    return K.FinetuneCosts(
        shift=float(d["shift"]),
        batches=tuple(int(b) for b in d["batches"]),
        **{
            k: _score(d[k])
            for k in ("before_new", "before_old", "recal_new", "recal_old")
        },
        new={v: _scores(s) for v, s in d["new"].items()},
        old={v: _scores(s) for v, s in d["old"].items()},
    )


def load(path: Path = SHIPPED) -> tuple[dict[str, Any], Results]:
    """Read what `save` wrote: (its header, the results).

    Raises OSError, ValueError or KeyError when the file is missing or malformed.
    """
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT:
        raise ValueError(f"{path.name}: format {doc.get('format')!r}, not {FORMAT}")
    header = {k: doc[k] for k in ("code_hash", "seed", "shift")}
    serving = {fam: _serving(doc["serving"][fam]) for fam in PAGE_FAMILIES}
    return header, (serving, _stale(doc["stale"]), _finetune(doc["finetune"]))


@lru_cache(maxsize=1)
def _shipped(path: Path) -> tuple[dict[str, Any], Results] | None:
    try:
        header, results = load(path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if header["code_hash"] != code_hash():
        return None  # the code moved on: compute rather than show old numbers
    return header, results


def preload(path: Path = SHIPPED) -> bool:
    """Put the shipped results into `C.MEMO` unless they are there already.

    Returns False (and stores nothing) when the file is missing, malformed, or
    was computed by other code than the code here now.
    """
    shipped = _shipped(path)
    if shipped is None:
        return False
    header, (serving, stale, finetune) = shipped
    seed, shift = header["seed"], header["shift"]
    for fam, costs in serving.items():
        key = C.memo_key("serving", fam, seed)
        if not C.MEMO.has(key):
            C.MEMO.put(key, costs)
    for key, value in (
        (C.memo_key("stale", seed), stale),
        (C.memo_key("finetune", seed, shift), finetune),
    ):
        if not C.MEMO.has(key):
            C.MEMO.put(key, value)
    return True


# ---- results computed in a worker process (lab.core.workers): JSON in an array ----


def to_arrays(value: Any) -> dict[str, Any]:
    """A pitfall's numbers as the one array a results file holds: their JSON text."""
    import numpy as np

    return {"json": np.array(json.dumps(asdict(value)))}


def _doc(arrays: dict[str, Any]) -> dict[str, Any]:
    return json.loads(str(arrays["json"]))


def serving_from_arrays(arrays: dict[str, Any]) -> K.ServingCosts:
    return _serving(_doc(arrays))


def stale_from_arrays(arrays: dict[str, Any]) -> K.StaleCosts:
    return _stale(_doc(arrays))


def finetune_from_arrays(arrays: dict[str, Any]) -> K.FinetuneCosts:
    return _finetune(_doc(arrays))
