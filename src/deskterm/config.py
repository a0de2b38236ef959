"""Settings, layered: defaults < site TOML < user TOML < DESKTERM_* env < CLI flags.

Each layer is validated by pydantic; an error names the file and the field.
"""

import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from deskterm import paths
from deskterm.domain.changes.change import RiskRules, RiskRulesError
from deskterm.domain.core.priority import MatrixError, PriorityMatrix
from deskterm.domain.handover.handover import DEFAULT_SHIFTS, ShiftError, ShiftPlan


class ConfigError(ValueError):
    """A config file or variable that cannot be used; the message says where and why."""


class ServeSettings(BaseModel):
    """``[serve]``: the servers of ``deskterm serve``: the limits of ``serve ssh`` (its command line
    overrides the address) and ``events_token``, the bearer token ``serve events`` requires (env
    DESKTERM_SERVE_EVENTS_TOKEN); keep it out of world-readable files."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ssh_listen: str = Field(default="127.0.0.1:2222", description="address:port of deskterm serve ssh")
    max_sessions: int = Field(default=50, ge=1, le=10000, description="sessions at once, all agents")
    max_sessions_per_agent: int = Field(default=10, ge=1, le=1000, description="sessions at once, one agent")
    idle_timeout: int = Field(
        default=3600,
        ge=0,
        description="seconds without a key from the client before the session ends (0: never)",
    )
    events_token: str | None = Field(default=None, min_length=16, repr=False)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    db: str = Field(default_factory=paths.default_db_url, description="database URL")
    priority_matrix: dict[str, dict[str, str]] | None = None
    keymap: dict[str, str] = Field(default_factory=dict)
    theme: str | None = None
    shifts: list[dict[str, str]] = Field(
        default_factory=lambda: [dict(d) for d in DEFAULT_SHIFTS],
        description="handover shifts: [{name, start, end}] in local HH:MM, tiling the day",
    )
    shift_timezone: str = "UTC"
    change_risk: dict[str, Any] | None = Field(
        default=None,
        description="change approval table: {bands = {change-manager = 4, cab = 6, management = 9}, "
        'high_floor = "cab"} (risk scores 3..9 from business risk, financial, scope)',
    )
    cost_per_hour: dict[str, Decimal] = Field(
        default_factory=dict,
        description='agent cost for the cost report: {login = rate}, "*" for agents without one',
    )
    serve: ServeSettings = Field(default_factory=ServeSettings)

    @field_validator("shifts")
    @classmethod
    def _shifts_tile_the_day(cls, value: list[dict[str, str]]) -> list[dict[str, str]]:
        try:
            ShiftPlan.from_config("UTC", value)
        except ShiftError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("shift_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ShiftPlan.from_config(value, DEFAULT_SHIFTS)
        except ShiftError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("change_risk")
    @classmethod
    def _risk_rules_work(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                RiskRules.from_config(value)
            except RiskRulesError as exc:
                raise ValueError(str(exc)) from None
        return value

    def shift_plan(self) -> ShiftPlan:
        return ShiftPlan.from_config(self.shift_timezone, self.shifts)

    @field_validator("priority_matrix")
    @classmethod
    def _matrix_is_complete(cls, value: dict[str, dict[str, str]] | None) -> dict[str, dict[str, str]] | None:
        if value is not None:
            try:
                PriorityMatrix.from_config(value)
            except MatrixError as exc:
                raise ValueError(str(exc)) from None
        return value

    def matrix(self) -> PriorityMatrix:
        if self.priority_matrix is None:
            return PriorityMatrix()
        return PriorityMatrix.from_config(self.priority_matrix)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        if not path.is_file():
            return {}
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(
            f"config file {path} cannot be read ({exc.strerror or exc}); fix its permissions or remove it"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML ({exc}); fix or remove it") from None


def _env_layer(environ: Mapping[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    if environ.get("DESKTERM_DB"):
        layer["db"] = environ["DESKTERM_DB"]
    if environ.get("DESKTERM_THEME"):
        layer["theme"] = environ["DESKTERM_THEME"]
    if environ.get("DESKTERM_SERVE_EVENTS_TOKEN"):
        layer["serve"] = {"events_token": environ["DESKTERM_SERVE_EVENTS_TOKEN"]}
    return layer


def _merge(merged: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    """A layer over the ones below; tables (``[serve]``) key by key, so an environment variable
    replaces one key of a file's table rather than the whole table."""
    out = dict(merged)
    for key, value in layer.items():
        below = out.get(key)
        if isinstance(value, dict) and isinstance(below, dict) and key == "serve":
            out[key] = {**below, **value}
        else:
            out[key] = value
    return out


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    site_file: Path | None = None,
    user_file: Path | None = None,
) -> Settings:
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    site = site_file or paths.site_config_file()
    user = user_file or paths.user_config_file()
    sources: list[tuple[str, dict[str, Any]]] = [
        (str(site), _read_toml(site)),
        (str(user), _read_toml(user)),
        ("the DESKTERM_* environment", _env_layer(environ)),
        ("the command line", {k: v for k, v in (overrides or {}).items() if v is not None}),
    ]
    for name, layer in sources:
        try:
            Settings.model_validate(_merge(merged, layer))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            raise ConfigError(f"{name}: setting {where!r}: {err['msg']}") from None
        merged = _merge(merged, layer)
    return Settings.model_validate(merged)
