"""SQLAlchemy 2 writes and reads back through both database backends Mercato supports."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Price(Base):
    __tablename__ = f"roundtrip_price_{uuid.uuid4().hex[:8]}"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    minor_units: Mapped[int] = mapped_column(BigInteger)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'roundtrip.db'}"
    return str(request.getfixturevalue("postgres_url"))


def test_a_row_written_in_one_session_is_read_back_in_another(database_url: str) -> None:
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as session, session.begin():
            session.add(Price(sku="TEA-250G", currency="CNY", minor_units=9_999_999_999_99))

        with Session(engine) as session:
            price = session.scalars(select(Price).where(Price.sku == "TEA-250G")).one()

        assert (price.currency, price.minor_units) == ("CNY", 9_999_999_999_99)
        assert engine.dialect.name == database_url.split(":")[0].split("+")[0]
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


def test_a_rolled_back_transaction_leaves_nothing(database_url: str) -> None:
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as session:
            session.add(Price(sku="RICE-5KG", currency="CNY", minor_units=4_500))
            session.flush()
            session.rollback()

        with Session(engine) as session:
            assert session.scalars(select(Price)).all() == []
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()
