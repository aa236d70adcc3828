"""Build throwaway copies of the project for tests that run the real CLI and `dvc repro`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SECTIONS = ("dataset", "validation", "label-issues", "other-issues", "noise", "head-to-head",
            "cleaning-curve", "model", "act")
COPIED = ["dvc.yaml", "params.yaml", "datacentric", "gx", "data/review", "data/raw"]


def run(args: list[str], cwd: Path, *, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed:\n{result.stdout}\n{result.stderr}")
    return result


def set_params(project: Path, updates: dict) -> None:
    """Merge ``updates`` (nested dict) into the project's params.yaml."""
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text())

    def merge(into: dict, new: dict) -> None:
        for key, value in new.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value

    merge(params, updates)
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def make_project(where: Path) -> Path:
    """A git + DVC repository holding a copy of this project's pipeline and package source."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, where / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "uncommitted"))
        elif source.exists():
            shutil.copy(source, where / name)
    # the .gitignore files DVC wrote next to its outputs, as a clone has them
    copy_tracked(where, [n for n in run(["git", "ls-files", "*/.gitignore"], ROOT).stdout.split()
                         if not n.startswith(".dvc/")])
    run(["git", "init", "-q"], where)
    run(["git", "config", "user.email", "test@example.com"], where)
    run(["git", "config", "user.name", "test"], where)
    run(["dvc", "init", "-q"], where)
    run(["dvc", "config", "core.analytics", "false"], where)
    run(["dvc", "config", "core.autostage", "true"], where)
    return where


def built_once(tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str,
               build: Callable[[Path], object]) -> Path:
    """A copy of the folder ``build`` makes, made once per test run: the first pytest-xdist
    worker to ask builds it while the others wait on a lock, and every caller gets a copy of
    its own to change (git, DVC's cache and file times come along)."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent  # the run's folder, above every worker's
    shared, done = root / name, root / f"{name}.done"
    with FileLock(f"{shared}.lock"):
        if not done.exists():
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir()
            build(shared)
            done.touch()
    copy = tmp_path_factory.mktemp(name)
    shutil.copytree(shared, copy, symlinks=True, dirs_exist_ok=True)
    return copy


def copy_tracked(where: Path, names: list[str]) -> None:
    """Copy the files git tracks in this repository under ``names`` (files or folders)."""
    for name in run(["git", "ls-files", "--", *names], ROOT).stdout.split():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, where / name)


def commit_all(project: Path, message: str) -> None:
    run(["git", "add", "-A"], project)
    run(["git", "commit", "-q", "--allow-empty", "-m", message], project)


def restore_last_commit(project: Path) -> None:
    """Back to the last commit's params, lock and outputs (from the DVC cache), rerunning
    nothing. From HEAD, not the index: DVC's autostage has staged the lock a run wrote."""
    run(["git", "checkout", "HEAD", "--", "."], project)
    run(["dvc", "checkout", "-q"], project)


def metrics_of(project: Path) -> dict:
    """Every file under ``project/metrics``, parsed, by file name."""
    return {p.name: json.loads(p.read_text()) for p in sorted((project / "metrics").glob("*.json"))}


def look_at_report(report: Path, shot_name: str, tmp_path: Path) -> dict[str, str]:
    """Open ``report`` in Chromium as a reader would: every section visible, its figures drawn,
    no script error, nothing fetched from outside; a full-page screenshot goes to
    ``$DATACENTRIC_ARTIFACTS/<shot_name>``. Returns the text of the verdict and of each
    section, by section id, for the caller's checks."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():  # .ci/run installs it, so CI always looks
        pytest.skip("no Chromium to open the report in (Debian: apt-get install chromium)")
    html = report.read_text()
    for remote in ('src="http', "src='http", 'href="http', "url(http", "@import"):
        assert remote not in html
    shot = Path(os.environ.get("DATACENTRIC_ARTIFACTS", tmp_path)) / shot_name
    shot.parent.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors, requests = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri())
        for section in SECTIONS:
            assert page.locator(f"section#{section} h2").is_visible(), section
        assert page.locator("figure svg").count() >= 5
        texts = {section: page.locator(f"section#{section}").inner_text() for section in SECTIONS}
        texts["verdict"] = page.locator("section#head-to-head .verdict").inner_text()
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert errors == []
    assert all(url.startswith("file://") for url in requests)
    assert shot.stat().st_size > 10_000
    return texts

