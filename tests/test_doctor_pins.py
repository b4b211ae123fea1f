"""Where doctor finds a project's pins besides the top folder, and files not in UTF-8."""

from __future__ import annotations

from pathlib import Path

from lab.doctor import check, read_pins

CONFTEST = "import pytest\n\n\n@pytest.fixture\ndef plain():\n    return 1\n"


def test_utf16_requirements_are_read(tmp_path: Path) -> None:
    # As `pip freeze > requirements.txt` writes it in Windows PowerShell: UTF-16 with a byte-order mark.
    (tmp_path / "requirements.txt").write_text("httpx==0.23.3\npytest-asyncio==0.20.3\n", encoding="utf-16")
    assert read_pins(tmp_path).have(["httpx", "pytest-asyncio"]) == {"httpx": "0.23.3",
                                                                   "pytest-asyncio": "0.20.3"}


def test_pins_of_a_project_in_a_subfolder(tmp_path: Path) -> None:
    backend = tmp_path / "backend"
    (backend / "tests").mkdir(parents=True)
    (backend / "tests" / "conftest.py").write_text(CONFTEST)
    (backend / "requirements.test.txt").write_text("httpx==0.27.0\n")
    (backend / "requirements").mkdir()
    (backend / "requirements" / "base.txt").write_text("sqlalchemy==2.0.23\n")
    (tmp_path / "docs").mkdir()  # a folder no conftest is under is not read
    (tmp_path / "docs" / "requirements.txt").write_text("httpx==0.20.0\n")
    report = check([tmp_path])
    assert report.pins.have(["httpx", "sqlalchemy"]) == {"httpx": "0.27.0", "sqlalchemy": "2.0.23"}


def test_the_top_folder_comes_first(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text('version = 1\n[[package]]\nname = "httpx"\nversion = "0.28.1"\n')
    (tmp_path / "app" / "tests").mkdir(parents=True)
    (tmp_path / "app" / "tests" / "conftest.py").write_text(CONFTEST)
    (tmp_path / "app" / "requirements.txt").write_text("httpx==0.23.0\n")
    assert check([tmp_path]).pins.get("httpx") == "0.28.1"


def test_a_range_that_excludes_the_failing_versions_is_an_upgrade(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["httpx<0.26"]\n')
    (tmp_path / "conftest.py").write_text(
        "import pytest\nfrom httpx import AsyncClient\n\nfrom app import app\n\n\n@pytest.fixture\n"
        "async def client():\n    async with AsyncClient(app=app, base_url='http://t') as client:\n"
        "        yield client\n")
    (finding,) = check([tmp_path]).findings
    assert (finding.rule, finding.fails) == ("LAB015", "upgrade")
    assert "httpx <0.26" in finding.versions


def test_poetry_caret_is_a_range(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry.dependencies]\npython = "^3.11"\nhttpx = "^0.27.0"\npytest-asyncio = "^0.26.0"\n')
    pins = read_pins(tmp_path)
    assert pins.ranges == {"httpx": ">=0.27.0,<0.28", "pytest-asyncio": ">=0.26.0,<0.27"}


def test_a_dependency_named_without_a_version_is_todays_release(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("httpx\npytest-asyncio\n")
    (tmp_path / "conftest.py").write_text(
        "import pytest\nfrom httpx import AsyncClient\n\nfrom app import app\n\n\n@pytest.fixture\n"
        "async def client():\n    async with AsyncClient(app=app, base_url='http://t') as client:\n"
        "        yield client\n")
    (finding,) = check([tmp_path]).findings
    assert (finding.rule, finding.fails) == ("LAB015", "pinned")
    assert "httpx unversioned" in finding.versions
