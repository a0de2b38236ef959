"""Where deskterm keeps things, per platform (platformdirs); nothing is created at import."""

from pathlib import Path

import platformdirs

APP = "deskterm"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def user_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


def site_config_file() -> Path:
    return Path(platformdirs.site_config_dir(APP, appauthor=False)) / "config.toml"


def default_db_url() -> str:
    """The embedded default: a SQLite file in the user's data directory."""
    return f"sqlite:///{user_data_dir() / 'deskterm.sqlite'}"


def migrations_dir() -> Path:
    """The Alembic scripts: inside the wheel when installed, the repo's folder when editable."""
    packaged = Path(__file__).parent / "_migrations"
    if (packaged / "env.py").exists():
        return packaged
    source = Path(__file__).resolve().parents[2] / "migrations"
    if (source / "env.py").exists():
        return source
    raise FileNotFoundError(
        "deskterm's migration scripts are missing from this installation; reinstall deskterm"
    )
