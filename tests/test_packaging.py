"""What `pip install .` and the Docker image depend on, checked against each other (they cannot be
built in a test: these read the files the builds read)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")


def names(requirements: list[str]) -> dict[str, str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("-", "_"): r for r in requirements}


def test_lxml_html_clean_is_a_direct_dependency() -> None:
    # jusText imports lxml.html.clean; lxml >= 5.2 moved it out, and a plain stock-pip install fails at
    # import unless the separate project is named here
    assert "lxml_html_clean" in names(PYPROJECT["project"]["dependencies"])


def test_image_pins_the_same_torch_from_the_cpu_index() -> None:
    pinned = names(PYPROJECT["project"]["optional-dependencies"]["semantic"])["torch"]
    version = pinned.split("==", 1)[1]
    assert re.search(rf"^ARG TORCH_VERSION={re.escape(version)}$", DOCKERFILE, re.M)
    assert "--index-url https://download.pytorch.org/whl/cpu" in DOCKERFILE


def test_image_upgrades_pip_then_installs_the_chosen_extras_offline_ready() -> None:
    assert re.search(r"^ARG EXTRAS=semantic$", DOCKERFILE, re.M)
    upgrade = DOCKERFILE.index("pip install --upgrade pip")
    torch = DOCKERFILE.index("--index-url https://download.pytorch.org/whl/cpu")
    install = DOCKERFILE.index('pip install ".[${EXTRAS}]"')
    assert upgrade < torch < install  # torch first, so the extra finds it satisfied and pulls no CUDA
    assert re.search(r"^\s+HF_HUB_OFFLINE=1", DOCKERFILE, re.M)


def test_compose_gives_up_on_a_bot_that_cannot_start() -> None:
    # a missing or rejected token exits at once: restarting forever would hammer Discord's login
    policies = re.findall(r"^\s+restart:\s*(\S+)", COMPOSE, re.M)
    assert "on-failure:5" in policies
    bot_block = COMPOSE.split("x-bot:", 1)[1].split("\nservices:", 1)[0]
    assert re.search(r"restart:\s*on-failure:\d+", bot_block)
    assert "always" not in policies
