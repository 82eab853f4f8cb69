"""Run the lab's JavaScript in Node, for tests that check it against Python.

Node is the machine's (.ci/run installs axe-core with it); a test that needs it
fails without it rather than skipping.
"""

from __future__ import annotations

import shutil
import subprocess


def run_node(script: str, stdin: str = "") -> str:
    """What ``script`` prints to standard output, given ``stdin``."""
    node = shutil.which("node")
    assert node, "Node.js is needed (installed with the machine, as for axe-core)"
    done = subprocess.run(
        [node, "-e", script],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout
