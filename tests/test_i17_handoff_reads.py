"""How a plain handoff reads its template (ISSUE14: handoff): a shipped template is read from
its file when the package is plain files, without ``importlib.resources``' readers
(``zipfile`` among them), through them otherwise: the same text either way."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from git_session import data

SHIPPED = ("handoff.md.j2", "handoff.html.j2", "adr.md.j2", "report.html.j2")


def _through_resources(name: str) -> str:
    return resources.files("git_session").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


def test_a_shipped_template_is_its_file_as_resources_read_it() -> None:
    for name in SHIPPED:
        assert data.template(name) == _through_resources(name), name


def test_a_package_that_is_not_plain_files_is_read_through_resources(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(data, "_TEMPLATES", str(tmp_path / "nowhere"))
    for name in SHIPPED:
        assert data.template(name) == _through_resources(name), name


def test_reading_a_shipped_template_loads_no_resource_reader() -> None:
    probe = (
        "import sys; from git_session import data; data.template('handoff.md.j2'); "
        "print(sorted(m for m in sys.modules if m in ('zipfile', 'importlib.readers', 'importlib.resources.readers')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
