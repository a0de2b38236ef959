"""Per-kind ref counters: incremented inside the writing transaction so refs never collide."""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from deskterm.store.base import Base


class RefCounter(Base):
    __tablename__ = "ref_counters"

    name: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
