"""The hosting recipe's files: valid for the real HAProxy, complete for the image."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


def _check(cfg: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [HAPROXY, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30
    )


def test_the_compose_proxy_config_is_valid_haproxy():
    done = _check(ROOT / "deploy" / "haproxy-compose.cfg")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_local_proxy_template_is_valid_once_filled(tmp_path):
    text = (ROOT / "deploy" / "haproxy.cfg").read_text(encoding="utf-8")
    filled = (
        text.replace("@PORT@", "8599")
        .replace("@SOCKET@", str(tmp_path / "sock"))
        .replace("@SERVERS@", "    server r1 127.0.0.1:8601 check cookie r1")
    )
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(filled, encoding="utf-8")
    done = _check(cfg)
    assert done.returncode == 0, done.stdout + done.stderr
    # what makes it a Streamlit recipe: sticky cookie, long websocket timeout
    assert re.search(r"^\s*cookie NORMLAB_REPLICA insert", text, re.M)
    assert re.search(r"^\s*timeout tunnel \d+h", text, re.M)


def test_the_image_copies_everything_the_app_reads():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY --chown=lab (\S+)", dockerfile, re.M))
    needed = {"app.py", ".streamlit", "lab", "pages", "assets"}
    assert needed <= copied
    assert "torch==2.13.0" in dockerfile and "USER lab" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/_stcore/health" in dockerfile


def test_public_hosting_settings_are_on():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    assert config["server"]["maxUploadSize"] <= 10
    assert config["browser"]["gatherUsageStats"] is False
