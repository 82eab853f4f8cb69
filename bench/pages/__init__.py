"""One latency driver per page of the app, for bench/latency.py.

A driver is a class with ``NAME`` (the page, as ``--pages`` names it),
``VIEWS`` (label → query string opened for the interactions), ``INTERACTIONS``
(method names, each timing one raw input event until the changed output is on
screen and the app is idle, in seconds) and ``load()`` (page load until
interactive, in seconds). ``DRIVERS`` lists them in the order they run.
"""

from __future__ import annotations

from bench.pages.choose import Choose
from bench.pages.coupling import Coupling
from bench.pages.lab import Lab
from bench.pages.rms import Rms
from bench.pages.sequences import Sequences
from bench.pages.tensor import Tensor
from bench.pages.train_eval import TrainEval
from bench.pages.why import Why

DRIVERS = {
    d.NAME: d for d in (Lab, Tensor, Coupling, TrainEval, Sequences, Why, Rms, Choose)
}
