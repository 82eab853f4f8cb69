"""Finished runs as plain arrays: the shipped file (a compressed npz, no pickle)
and the results a worker process hands back (lab.core.workers).

One format for both, kept apart from the code that computes the runs
(`lab.why.runs`, `lab.why.xiong`): the shipped assets/why_default.npz must keep
loading whatever the training code looks like, and a change to the format is
a change to what every stored result means.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from types import MappingProxyType

import numpy as np

from lab.why.runs import Sweep, SweepConfig, VariantRun
from lab.why.xiong import XiongResult

_RUN_ARRAYS = (
    "losses",
    "diverged_at",
    "probe_steps",
    "probe_loss",
    "probe_gdiff",
    "grad_norm",
    "unit",
)


_XIONG_EXTRAS = ("pre_resid", "pre_token_grad", "pre_token_cos")


def _sweep_meta(sweep: Sweep) -> dict:
    return {
        "config": asdict(sweep.config),
        "lrs": list(sweep.lrs),
        "baseline": sweep.baseline,
        "variants": list(sweep.runs),
        "seconds": {v: r.seconds for v, r in sweep.runs.items()}
        | {"total": sweep.seconds},
    }


def _sweep_arrays(sweep: Sweep, prefix: str) -> dict[str, np.ndarray]:
    return {
        f"{prefix}{v}.{name}": getattr(r, name)
        for v, r in sweep.runs.items()
        for name in _RUN_ARRAYS
    }


def _sweep_from(meta: Mapping, data, prefix: str) -> Sweep:
    names = {f.name for f in fields(SweepConfig)}
    config = SweepConfig(**{k: v for k, v in meta["config"].items() if k in names})
    runs = {
        v: VariantRun(
            variant=v,
            seconds=float(meta["seconds"].get(v, 0.0)),
            **{name: data[f"{prefix}{v}.{name}"] for name in _RUN_ARRAYS},
        )
        for v in meta["variants"]
    }
    return Sweep(
        config=config,
        lrs=tuple(meta["lrs"]),
        baseline=float(meta["baseline"]),
        runs=MappingProxyType(runs),
        seconds=float(meta["seconds"]["total"]),
    )


def save_results(
    path: Path,
    sweep: Sweep,
    xiong: XiongResult,
    seeds: Mapping | None = None,
    extra: Sequence[Sweep] = (),
) -> None:
    """Write a sweep and a Xiong result to ``path`` as a compressed npz.

    ``seeds`` (plain JSON: what other seeds of the scenarios showed) goes in the
    metadata; ``extra`` sweeps (other views shipped ready) under their index.
    """
    meta = _sweep_meta(sweep) | {
        "seeds": dict(seeds or {}),
        "extra": [_sweep_meta(x) for x in extra],
        "xiong_seed": xiong.seed,
        "xiong_depths": list(xiong.depths),
    }
    arrays = _sweep_arrays(sweep, "")
    for k, x in enumerate(extra):
        arrays |= _sweep_arrays(x, f"extra{k}/")
    np.savez_compressed(
        path,
        meta=np.array(json.dumps(meta)),
        xiong_post=xiong.post,
        xiong_pre=xiong.pre,
        **{
            f"xiong_{name}": getattr(xiong, name)
            for name in _XIONG_EXTRAS
            if getattr(xiong, name) is not None
        },
        **arrays,
    )


def load_results(path: Path) -> tuple[Sweep, XiongResult]:
    """Read what `save_results` wrote (``allow_pickle=False``: data only)."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        sweep = _sweep_from(meta, data, "")
        xiong = XiongResult(
            seed=int(meta["xiong_seed"]),
            depths=tuple(meta["xiong_depths"]),
            post=data["xiong_post"],
            pre=data["xiong_pre"],
            **{
                name: data[f"xiong_{name}"]
                for name in _XIONG_EXTRAS
                if f"xiong_{name}" in data.files
            },
        )
    return sweep, xiong


def load_extra(path: Path) -> list[Sweep]:
    """The ``extra`` sweeps `save_results` wrote ([] for older files)."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        return [
            _sweep_from(m, data, f"extra{k}/")
            for k, m in enumerate(meta.get("extra", []))
        ]


def load_seed_table(path: Path) -> dict:
    """The ``seeds`` metadata `save_results` wrote ({} for older files)."""
    with np.load(path, allow_pickle=False) as data:
        return dict(json.loads(str(data["meta"])).get("seeds", {}))


# ---- a worker's results (lab.core.workers) ----


def sweep_to_arrays(sweep: Sweep) -> dict[str, np.ndarray]:
    return {"meta": np.array(json.dumps(_sweep_meta(sweep)))} | _sweep_arrays(sweep, "")


def sweep_from_arrays(arrays: Mapping[str, np.ndarray]) -> Sweep:
    return _sweep_from(json.loads(str(arrays["meta"])), arrays, "")


def xiong_to_arrays(x: XiongResult) -> dict[str, np.ndarray]:
    extras = {n: getattr(x, n) for n in _XIONG_EXTRAS if getattr(x, n) is not None}
    meta = {"seed": x.seed, "depths": list(x.depths)}
    return {"meta": np.array(json.dumps(meta)), "post": x.post, "pre": x.pre} | extras


def xiong_from_arrays(arrays: Mapping[str, np.ndarray]) -> XiongResult:
    meta = json.loads(str(arrays["meta"]))
    return XiongResult(
        seed=int(meta["seed"]),
        depths=tuple(int(d) for d in meta["depths"]),
        post=arrays["post"],
        pre=arrays["pre"],
        **{n: arrays[n] for n in _XIONG_EXTRAS if n in arrays},
    )
