"""Authorities (管理机构) and which one implements each service item in a region."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base


class Authority(Base):
    """A transport bureau or administrative approval bureau; a tree from the province down."""

    __tablename__ = "authority"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"))
    next_serial: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    parent: Mapped[Authority | None] = relationship(remote_side=[id])


class ServiceItemAssignment(Base):
    """Authority ``authority_id`` implements ``item`` in ``region_code``. More than one row for
    a (region, item) is a configuration error: that item is refused there until fixed."""

    __tablename__ = "service_item_assignment"
    __table_args__ = (UniqueConstraint("region_code", "item", "authority_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False)
    item: Mapped[str] = mapped_column(String(20), nullable=False)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), nullable=False)
    connected: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    """Whether the item is connected to the government service platform in this region (是否与省一体化
    在线政务服务平台对接): its applications come from and are reported to the platform."""

    authority: Mapped[Authority] = relationship()
