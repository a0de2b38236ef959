"""Column types shared by the models: enums stored as their string values."""

from enum import StrEnum

from sqlalchemy import Enum


def str_enum(enum: type[StrEnum], length: int = 20) -> Enum:
    """Store a StrEnum by value in a VARCHAR (no native enum: adding a value needs no DDL)."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
