"""What installing eprof puts in site-packages: one package, `eprof`, with the stage packages
under it (eprof.agent, eprof.retrieval, ...) and their data files; benchmarks and tests stay out."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (found,) = out.glob("eprof-*.whl")
    return found


def test_the_wheel_holds_one_top_level_package_and_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {"eprof"}
    for expected in ("eprof/agent/offline.py", "eprof/kernel/config.py", "eprof/workflows/batch.py", "eprof/risk/policy.toml",
                     "eprof/risk/default_model/model.json", "eprof/prompts/profile/v1.md", "eprof/prompts/released.json",
                     "eprof/kernel/fonts/WenQuanYiMicroHei.ttf", "eprof/service/static/index.html", "eprof/agent/schemas/profile-1.json",
                     "eprof/agent/news_gate.json"):
        assert expected in names
    assert not [n for n in names if n.startswith(("benchmarks/", "tests/", "agent/", "eprof/benchmarks/"))]


def test_installed_outside_the_repository_only_the_namespace_imports(wheel: Path, tmp_path: Path) -> None:
    env = tmp_path / "venv"
    venv.create(env, with_pip=False, system_site_packages=False)
    python = env / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    code = ("import importlib.util as u, sys\n"
            "print(u.find_spec('eprof.agent') is not None, u.find_spec('eprof.workflows.batch') is not None, "
            "*(u.find_spec(n) is None for n in ('agent', 'retrieval', 'risk', 'evaluation', 'prompts', 'kernel', 'workflows', 'benchmarks')))")
    run = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60)
    assert run.stdout.split() == ["True"] * 10
    site = next((env / "lib").glob("python*/site-packages"))
    added = {p.name for p in site.iterdir() if not p.name.startswith(("_", "pip")) and p.name != "__pycache__"}
    assert {n for n in added if not n.endswith(".dist-info")} == {"eprof"}
