"""The ``chainrule`` command: --help documents every setting; the environment configures it."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from app import cli
from app.settings import Settings


def test_help_lists_every_setting_with_its_variable_and_default() -> None:
    out = subprocess.run([sys.executable, "-m", "app.cli", "--help"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    for name, field in Settings.model_fields.items():
        line = next(ln for ln in out.splitlines() if f"CHAINRULE_{name.upper()} " in ln)
        assert repr(field.get_default(call_default_factory=True)) in line
    assert "--port" in out and "--workers" in out


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINRULE_DEADLINE_SECONDS", "2.5")
    monkeypatch.setenv("CHAINRULE_CORS_ORIGINS", '["https://example.org"]')
    s = Settings()
    assert s.deadline_seconds == 2.5 and s.cors_origins == ["https://example.org"]
    monkeypatch.setenv("CHAINRULE_PORT", "0")
    with pytest.raises(ValueError):
        Settings()


def test_no_writable_temp_dir_stops_the_server_before_it_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started: list[object] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda *a, **k: started.append(a))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))  # as if none were writable
    with pytest.raises(SystemExit) as exit_:
        cli.main([])
    assert "no writable temporary directory" in str(exit_.value.code)
    assert "--tmpfs /tmp" in str(exit_.value.code)
    assert not started

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    cli.main([])
    assert started == [("app.main:app",)]
