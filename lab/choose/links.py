"""Where every claim on the Choose a norm page is shown live: a link table.

The page closes the lab, so every cell of its tables, every reason the flow
gives and every pitfall links to the view on another page that shows it. A
topic imports only the core and itself (tests/test_layout.py), so the other
pages' scenarios reach this one as data: each demonstration is a URL path (the
page's file name under pages/) and the query string that page writes for the
view, exactly as its ``PAGE.to_params`` writes it. tests/unit/choose/
test_links.py rebuilds every query from the target page's own state, and
tests/app/test_choose_links.py follows every link in AppTest (no note, no
exception, the view it promises).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

PAGE_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "/": "Lab",
        "/tensor": "Tensor view",
        "/coupling": "Batch coupling",
        "/train_eval": "Train vs eval",
        "/sequences": "Sequences & padding",
        "/why": "Why normalize",
        "/rms": "LayerNorm vs RMSNorm",
    }
)
"""Every page a demonstration can live on, by URL path, with its title."""


@dataclass(frozen=True)
class Demo:
    """One live view on another page: its path, its query string (as that page
    writes it) and what it shows, in a few words."""

    path: str
    query: str
    shows: str

    @property
    def url(self) -> str:
        """The link: path and query (a new session opens exactly that view)."""
        return self.path + (f"?{self.query}" if self.query else "")

    @property
    def page(self) -> str:
        return PAGE_TITLES[self.path]

    def md(self, text: str) -> str:
        """``text`` as a Markdown link to this view (the panels' little Markdown)."""
        return f"[{text}]({self.url})"


DEMOS: Mapping[str, Demo] = MappingProxyType(
    {
        # the Lab (/)
        "lab_column": Demo("/", "", "BatchNorm pools a feature's column"),
        "lab_row": Demo("/", "norm=layer", "LayerNorm pools an example's row"),
        "lab_rms_mean": Demo("/", "scenario=rms_mean", "RMSNorm keeps the mean"),
        "lab_one": Demo("/", "scenario=one", "a batch of one: every output is β"),
        "lab_one_layer": Demo(
            "/", "scenario=one&norm=layer", "LayerNorm on a batch of one"
        ),
        "lab_grouped": Demo("/", "scenario=grouped", "GroupNorm between the two"),
        # the Tensor view
        "tensor_batch": Demo(
            "/tensor", "view=one&norm=batch", "BatchNorm's set in (N, C, H, W)"
        ),
        "tensor_layer": Demo("/tensor", "scenario=layer", "G = 1 meets LayerNorm"),
        "tensor_group": Demo("/tensor", "view=one", "GroupNorm's set in (N, C, H, W)"),
        "tensor_instance": Demo(
            "/tensor", "scenario=instance", "G = C meets InstanceNorm"
        ),
        "tensor_instance_one": Demo(
            "/tensor", "view=one&norm=instance", "InstanceNorm's set: one image"
        ),
        "tensor_pitfall": Demo(
            "/tensor", "scenario=pitfall", "GroupNorm(1, C) against nn.LayerNorm(C)"
        ),
        # Batch coupling
        "coupling_room": Demo("/coupling", "", "spread against batch size"),
        "coupling_tiny": Demo("/coupling", "scenario=tiny", "a batch of 4"),
        "coupling_tiny_group": Demo(
            "/coupling", "scenario=tiny&norm=group", "GroupNorm at batch 4"
        ),
        "coupling_nudge_batch": Demo(
            "/coupling", "scenario=nudge_batch", "nudge one example: BatchNorm"
        ),
        "coupling_nudge_layer": Demo(
            "/coupling", "scenario=nudge_layer", "nudge one example: LayerNorm"
        ),
        "coupling_probe_rms": Demo(
            "/coupling", "view=probe&norm=rms", "nudge one example: RMSNorm"
        ),
        "coupling_probe_group": Demo(
            "/coupling", "view=probe&norm=group", "nudge one example: GroupNorm"
        ),
        "coupling_nudge_eval": Demo(
            "/coupling", "scenario=nudge_eval", "BatchNorm in eval mode"
        ),
        "coupling_one_class": Demo(
            "/coupling", "scenario=one_class", "a batch of one class"
        ),
        "coupling_gpus": Demo("/coupling", "scenario=gpus", "a batch split over GPUs"),
        "coupling_accum": Demo(
            "/coupling", "scenario=accum", "SyncBatchNorm with gradient accumulation"
        ),
        # Train vs eval
        "te_stale": Demo("/train_eval", "scenario=jump", "stale statistics"),
        "te_layer": Demo("/train_eval", "scenario=layer", "LayerNorm: train = eval"),
        "te_rms": Demo(
            "/train_eval", "scenario=layer&norm=rms", "RMSNorm: train = eval"
        ),
        "te_one": Demo("/train_eval", "scenario=one", "batches of one"),
        "te_finetune": Demo(
            "/train_eval", "scenario=finetune", "fine-tuning, frozen or updating"
        ),
        "te_dropout": Demo(
            "/train_eval", "scenario=dropout", "dropout before BatchNorm"
        ),
        # Sequences & padding
        "seq_ragged": Demo("/sequences", "", "BatchNorm pools the pads"),
        "seq_masked": Demo("/sequences", "scenario=masked", "BatchNorm with a mask"),
        "seq_layer": Demo("/sequences", "scenario=layer", "LayerNorm ignores padding"),
        # Why normalize
        "why_lr": Demo("/why", "", "loss against learning rate, with each norm"),
        "why_prenorm": Demo(
            "/why", "scenario=six_layers&blocks=24", "post-norm vs pre-norm, 24 layers"
        ),
        # LayerNorm vs RMSNorm
        "rms_table": Demo("/rms", "", "what each family is invariant to"),
        "rms_memory": Demo("/rms", "hidden=1024", "γ, β and buffers at hidden 1024"),
        "rms_decode": Demo("/rms", "scenario=decode", "timing one token"),
    }
)
