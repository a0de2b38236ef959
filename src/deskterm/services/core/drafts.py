"""Drafts of unsaved forms, kept in a file so that a dropped SSH link or a killed process
loses nothing: the next start offers the draft back."""

import json
import os
from pathlib import Path
from typing import Any

from deskterm import paths


def _file(name: str, directory: Path | None = None) -> Path:
    base = directory or (paths.user_data_dir() / "drafts")
    return base / f"{name}.json"


def save_draft(name: str, values: dict[str, Any], directory: Path | None = None) -> None:
    """Write atomically (temp file + rename): a crash mid-write never leaves half a draft."""
    target = _file(name, directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, target)


def load_draft(name: str, directory: Path | None = None) -> dict[str, Any] | None:
    target = _file(name, directory)
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def discard_draft(name: str, directory: Path | None = None) -> None:
    _file(name, directory).unlink(missing_ok=True)
