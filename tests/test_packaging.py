"""Noticeboard as a bank gets it: the sdist and the wheel built as a release is, the wheel installed
into a fresh virtual environment outside the repository, a site started with `init`, then
`check`, `build` and `serve` there. Every machine output speaks words, never label keys, and a
theme folder of the site's own changes the brand and colours with a file each.

Building uses the backend already installed (`--no-isolation`), so the test needs no network
beyond the package index pip already uses for the wheel's dependencies.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from generator import __version__

NOW = "2025-11-05T10:00+09:00"
WAIT = 300


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=WAIT, env=env)
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from it (as `python -m build` does, so both carry everything)."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT, cwd=ROOT)
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment outside the repository holding the installed wheel; its bin/."""
    home = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", home, cwd=home)
    [wheel] = dist.glob("*.whl")
    run(home / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel, cwd=home)
    return home / "bin"


@pytest.fixture(scope="module")
def clean_env() -> dict[str, str]:
    """The environment without anything that could lead Python to the repository's code."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def site(venv: Path, clean_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`noticeboard init` run by the installed command in a folder outside the repository."""
    home = tmp_path_factory.mktemp("bank")
    run(venv / "noticeboard", "init", "my-status", "--now", NOW, cwd=home, env=clean_env)
    return home / "my-status"


def test_the_wheel_and_the_sdist_carry_the_theme_the_starter_and_the_schemas(dist: Path) -> None:
    [wheel], [sdist] = dist.glob("*.whl"), dist.glob("*.tar.gz")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    theme = [p.relative_to(ROOT / "themes").as_posix() for p in (ROOT / "themes" / "default").rglob("*") if p.is_file()]
    assert {f"generator/themes/{rel}" for rel in theme} <= shipped
    starter = {f"generator/starter/{p.name}" for p in (ROOT / "generator" / "starter").iterdir()}
    schemas = {f"generator/schema/{p.name}" for p in (ROOT / "generator" / "schema").glob("*.json")}
    assert starter <= shipped and schemas <= shipped and "generator/py.typed" in shipped
    assert not [name for name in shipped if "__pycache__" in name]
    with tarfile.open(sdist) as archive:
        packed = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {f"themes/{rel}" for rel in theme} <= packed


def test_every_package_under_generator_is_in_the_wheel() -> None:
    """pyproject.toml lists the packages (the theme's mapping rules out finding them): a new
    subpackage missing there would be left out of every installed copy."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "generator").rglob("__init__.py")}
    assert found | {"generator.themes"} == listed


def test_the_installed_command_runs_from_the_environment_not_the_repository(venv: Path, clean_env: dict[str, str],
                                                                            tmp_path: Path) -> None:
    where = run(venv / "python", "-c", "import generator; print(generator.__file__)", cwd=tmp_path, env=clean_env)
    assert Path(where.stdout.strip()).is_relative_to(venv.parent) and not Path(where.stdout.strip()).is_relative_to(ROOT)
    for command in ([venv / "noticeboard", "--version"], [venv / "noticeboard", "-V"],
                    [venv / "python", "-m", "generator", "--version"]):
        assert run(*command, cwd=tmp_path, env=clean_env).stdout.strip() == f"noticeboard {__version__}"


def test_init_writes_a_site_that_checks_and_builds_in_words(venv: Path, site: Path, clean_env: dict[str, str]) -> None:
    checked = run(venv / "noticeboard", "check", "--strict", "--now", NOW, cwd=site, env=clean_env)
    assert "nothing wrong found" in checked.stdout
    run(venv / "noticeboard", "build", "--now", NOW, cwd=site, env=clean_env)
    public = site / "public"
    labels = yaml.safe_load((ROOT / "themes" / "default" / "labels.yaml").read_text(encoding="utf-8"))
    status = json.loads((public / "api" / "v2" / "status.json").read_text(encoding="utf-8"))["status"]
    assert status["description"] == labels["ko"]["overall.operational"]
    english = json.loads((public / "en" / "api" / "v2" / "status.json").read_text(encoding="utf-8"))["status"]
    assert english["description"] == labels["en"]["overall.operational"]
    badge = (public / "badges" / "status.svg").read_text(encoding="utf-8")
    assert f"{labels['ko']['home']}: {labels['ko']['status.operational']}" in badge
    feed = (public / "feeds" / "incidents.atom").read_text(encoding="utf-8")
    assert f"· {labels['ko']['recent_incidents']}</title>" in feed
    keys = sorted({key for words in labels.values() for key in words if "." in key or "_" in key})
    leaks = [(path, key) for path, text in _shown_texts(public) for key in keys
             if re.search(rf"(?<![\w.-]){re.escape(key)}(?![\w-])", text)]
    assert leaks == []


def test_serve_answers_with_the_site(venv: Path, site: Path, clean_env: dict[str, str]) -> None:
    serve = subprocess.Popen([str(venv / "noticeboard"), "serve", "--port", "0", "--now", NOW], cwd=site,
                             env=clean_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert serve.stdout is not None
        line = serve.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line + (serve.stderr.read() if serve.stderr else "")
        with urllib.request.urlopen(url.group() + "en/index.html", timeout=WAIT) as answer:
            assert answer.status == 200
            assert "All services are operating normally" in answer.read().decode("utf-8")
    finally:
        serve.terminate()
        serve.wait(timeout=WAIT)


def test_a_theme_folder_of_the_sites_own_changes_the_brand_and_colours(venv: Path, site: Path, tmp_path: Path,
                                                                       clean_env: dict[str, str]) -> None:
    site = Path(shutil.copytree(site, tmp_path / "my-status", ignore=shutil.ignore_patterns("public")))
    mine = site / "themes" / "mybank"
    (mine / "templates").mkdir(parents=True)
    (mine / "static").mkdir()
    (mine / "templates" / "_brand.html").write_text(
        '<a class="brand" href="{{ url(\'index.html\') }}">MyBank · {{ t(site.title)|lang }}</a>\n', encoding="utf-8")
    (mine / "static" / "brand.css").write_text(":root { --link: #005a3c; }\n", encoding="utf-8")
    settings = site / "content" / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("theme: default ", "theme: mybank "),
                        encoding="utf-8")
    run(venv / "noticeboard", "build", "--now", NOW, "-o", "branded", cwd=site, env=clean_env)
    home = (site / "branded" / "index.html").read_text(encoding="utf-8")
    assert ">MyBank · 예시은행 서비스 상태</a>" in home
    [css] = (site / "branded" / "assets").glob("brand.*.css")
    assert f'href="assets/{css.name}"' in home and "#005a3c" in css.read_text(encoding="utf-8")


def _shown_texts(public: Path) -> Iterator[tuple[str, str]]:
    """What each output shows a reader or a program: JSON string values, and the text and
    readable attributes of HTML, XML, SVG and calendar files."""
    for path in sorted(p for p in public.rglob("*") if p.is_file()):
        rel, text = path.relative_to(public).as_posix(), path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".json":
            yield from ((rel, value) for value in _strings(json.loads(text)))
        elif path.suffix in (".html", ".xml", ".svg", ".atom", ".rss"):
            yield from ((rel, part) for part in re.findall(r">([^<]+)<", text))
            yield from ((rel, part) for part in re.findall(r'(?:title|aria-label|alt|content)="([^"]*)"', text))
        elif path.suffix == ".ics":
            yield from ((rel, line.split(":", 1)[-1]) for line in text.splitlines())


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
