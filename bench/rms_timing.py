"""Time LayerNorm against RMSNorm on this machine and print a table: the same
benchmark as the LayerNorm vs RMSNorm page's timing panel.

    python -m bench.rms_timing                  # 128 tokens
    python -m bench.rms_timing --tokens 1,512   # several token counts

For each token count, `lab.rms.timing.run_timing`: F.layer_norm, F.rms_norm
and a tensor-op reference of each, interleaved, forward and forward +
backward, float32 and (where the CPU runs it natively) bfloat16, on one
thread as the server runs torch. Prints medians with the 10th–90th
percentiles, RMSNorm's time saved against LayerNorm's (paired rounds), the
load average and the share of a core the process got: on a shared machine
the numbers are noisy, and these say how noisy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lab.rms.timing import IMPL_NAMES, IMPLS, PASSES, run_timing  # noqa: E402
from lab.rms.words import timing_caption, timing_words  # noqa: E402


def _cell(q) -> str:
    return f"{q[1]:>10.1f} [{q[0]:.1f}–{q[2]:.1f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", default="128", help="comma-separated token counts")
    args = ap.parse_args()
    for tokens in (int(t) for t in args.tokens.split(",")):
        t = run_timing(tokens, lambda f, m: print(f"\r{f:4.0%} {m:<40}", end=""))
        print()
        print(timing_caption(t))
        for d, dtype in enumerate(t.dtypes):
            for p, pass_ in enumerate(PASSES):
                what = f"{tokens} tokens, {dtype}, {pass_}"
                print(f"\n{what}: µs per call, median [p10–p90]")
                head = "".join(f"{IMPL_NAMES[i]:>26}" for i in IMPLS)
                print(f"{'hidden':>7}{head}{'saved: kernels':>16}{'tensor ops':>12}")
                for h, size in enumerate(t.sizes):
                    cells = "".join(
                        _cell(q * 1e6).rjust(26) for q in t.seconds[d, p, h]
                    )
                    saved = [100 * (1 - t.ratio[d, p, h, k, 1]) for k in (0, 1)]
                    print(f"{size:>7}{cells}{saved[0]:>15.0f}%{saved[1]:>11.0f}%")
                for w in timing_words(t, dtype, pass_):
                    print("  " + w)


if __name__ == "__main__":
    main()
