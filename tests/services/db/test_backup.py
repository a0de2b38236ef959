"""Backup and restore on SQLite and PostgreSQL: round trip, refusals, rotation, upgrades."""

import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from deskterm.config import Settings
from deskterm.domain.core.clock import FixedClock
from deskterm.services.core import schema
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import Conflict, DatabaseUnavailable, InvalidInput
from deskterm.services.core.identity import OsIdentity
from deskterm.services.db import backup, integrity, restore
from deskterm.store import migrate
from tests.conftest import FROZEN, IDENTITY, _counter, _pg_admin, _pg_url, fresh_sqlite, open_desk
from tests.services import factories as f


@pytest.fixture
def worked(desk: Desk) -> Desk:
    f.contact(desk, "Wang Wei", email="wang.wei@example.com")
    for n in range(3):
        f.log(desk, title=f"Printer {n} jams")
    return desk


@pytest.fixture
def other_url(
    db_url: str, request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """A second, empty desk on the same backend: where a backup is restored."""
    if db_url.startswith("sqlite"):
        yield fresh_sqlite(sqlite_template, tmp_path)
        return
    template = request.getfixturevalue("pg_template")
    name = f"deskterm_o_{os.getpid()}_{next(_counter)}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def as_found(url: str, identity: OsIdentity = IDENTITY) -> Iterator[Desk]:
    """The desk as the db commands open it: its schema left as it is."""
    d = Desk.open(Settings(db=url), clock=FixedClock(FROZEN), identity=identity, migrate_schema=False)
    try:
        yield d
    finally:
        d.close()


def do_backup(url: str, *args: Any, **kwargs: Any) -> backup.BackupView:
    with as_found(url) as d:
        return backup.backup(d, *args, **kwargs)


def do_restore(url: str, *args: Any, **kwargs: Any) -> restore.RestoreView:
    with as_found(url) as d:
        return restore.restore(d, *args, **kwargs)


def do_check(url: str) -> integrity.CheckReport:
    with as_found(url) as d:
        return integrity.check(d)


def refs(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = [r for (r,) in conn.execute(text("SELECT ref FROM tickets ORDER BY id"))]
    engine.dispose()
    return found


def test_backup_writes_a_private_file_and_its_manifest(worked: Desk, db_url: str, tmp_path: Path) -> None:
    view = do_backup(db_url, tmp_path / "desk.bak")
    file, manifest = Path(view.file), Path(view.manifest)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(manifest.stat().st_mode) == 0o600
    data = json.loads(manifest.read_text())
    assert data["format"] == "deskterm-backup"
    assert data["schema_revision"] == migrate.head_revision()
    assert data["sha256"] == backup.sha256_of(file) and data["bytes"] == file.stat().st_size
    assert data["row_counts"]["tickets"] == 3 == view.tickets
    assert data["audit_head"]["hash"] and len(data["audit_head"]["hash"]) == 64
    assert "password" not in data["source"]


def test_round_trip_into_an_empty_desk(worked: Desk, db_url: str, other_url: str, tmp_path: Path) -> None:
    view = do_backup(db_url, tmp_path / "desk.bak")
    done = do_restore(other_url, Path(view.file))
    assert not done.upgraded and done.tickets == 3
    assert done.replaced_backup is not None  # even an empty desk holds its definitions: kept
    assert refs(other_url) == refs(db_url)
    assert do_check(other_url).findings == []
    again = open_desk(other_url)  # the restored desk works: the chain goes on from the backup's head
    f.log(again, title="After the restore")
    again.close()
    assert do_check(other_url).ok


def test_a_desk_with_work_is_replaced_only_with_yes_and_is_kept(
    worked: Desk, db_url: str, tmp_path: Path
) -> None:
    view = do_backup(db_url, tmp_path / "desk.bak")
    f.log(worked, title="Logged after the backup")
    with pytest.raises(Conflict, match="--yes"):
        do_restore(db_url, Path(view.file))
    assert len(refs(db_url)) == 4  # untouched
    done = do_restore(db_url, Path(view.file), yes=True)
    assert len(refs(db_url)) == 3
    assert done.replaced_backup is not None
    kept = json.loads(backup.manifest_path(Path(done.replaced_backup)).read_text())
    assert kept["row_counts"]["tickets"] == 4
    assert do_check(db_url).ok


def test_a_corrupted_or_truncated_backup_is_refused(
    worked: Desk, db_url: str, other_url: str, tmp_path: Path
) -> None:
    file = Path(do_backup(db_url, tmp_path / "desk.bak").file)
    original = file.read_bytes()
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0xFF
    file.write_bytes(bytes(flipped))
    with pytest.raises(InvalidInput, match="corrupted"):
        do_restore(other_url, file)
    file.write_bytes(original[: len(original) // 2])
    with pytest.raises(InvalidInput, match="truncated"):
        do_restore(other_url, file)
    file.write_bytes(original)
    backup.manifest_path(file).unlink()
    with pytest.raises(InvalidInput, match="manifest"):
        do_restore(other_url, file)
    assert refs(other_url) == []


def test_a_backup_from_a_newer_schema_is_refused(
    worked: Desk, db_url: str, other_url: str, tmp_path: Path
) -> None:
    file = Path(do_backup(db_url, tmp_path / "desk.bak").file)
    path = backup.manifest_path(file)
    data = json.loads(path.read_text())
    data["schema_revision"] = "9999_future"
    path.write_text(json.dumps(data))
    with pytest.raises(DatabaseUnavailable, match="newer deskterm"):
        do_restore(other_url, file)


def test_a_backup_from_an_older_schema_is_upgraded_after_restoring(
    desk: Desk, db_url: str, other_url: str, tmp_path: Path
) -> None:
    f.contact(desk, "Wang Wei", email="wang.wei@example.com")
    f.log(desk)
    desk.close()
    settings = Settings(db=db_url)
    schema.downgrade(settings, "0007")
    view = do_backup(db_url, tmp_path / "old.bak")
    assert view.schema_revision == "0007"
    done = do_restore(other_url, Path(view.file), yes=True)
    assert done.backup_revision == "0007" and done.upgraded
    assert done.schema_revision == migrate.head_revision()
    assert do_check(other_url).ok  # the chain was back-filled on upgrade


def test_a_backup_of_another_backend_is_refused(worked: Desk, db_url: str, tmp_path: Path) -> None:
    file = Path(do_backup(db_url, tmp_path / "desk.bak").file)
    path = backup.manifest_path(file)
    data = json.loads(path.read_text())
    data["backend"] = "postgresql" if data["backend"] == "sqlite" else "sqlite"
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidInput, match="backup and --db is"):
        do_restore(db_url, file)


def test_keep_rotates_the_oldest_backups_of_this_desk(worked: Desk, db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup")
    made = [do_backup(db_url, folder, keep=2) for _ in range(4)]
    kept = sorted(p.name for p in folder.iterdir())
    assert "notes.txt" in kept
    assert {Path(m.file).name for m in made[-2:]} <= set(kept)
    assert not any(Path(m.file).exists() for m in made[:2])
    assert len([n for n in kept if n.endswith(backup.MANIFEST_SUFFIX)]) == 2
    assert made[2].removed == [made[0].file] and made[3].removed == [made[1].file]


def test_an_existing_file_is_never_overwritten(worked: Desk, db_url: str, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("mine")
    with pytest.raises(Conflict, match="already exists"):
        do_backup(db_url, tmp_path / "taken")
    assert (tmp_path / "taken").read_text() == "mine"


def test_without_pg_dump_the_message_says_how(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite needs no outside tool")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DatabaseUnavailable, match=r"pg_dump is not installed.*postgresql-client"):
        do_backup(db_url, tmp_path / "desk.bak")
    assert not list(tmp_path.glob("*desk.bak*"))
