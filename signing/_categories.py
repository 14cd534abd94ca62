"""Practitioner qualification categories and their compact codes (used in presentations).

The codes are part of the presentation format: never renumber one; add new ones at the end.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    """One qualification category: its compact code, a stable slug and its names."""

    code: int
    slug: str
    name_zh: str
    name_en: str
    driver: bool
    legacy: bool = False


CATEGORIES: tuple[Category, ...] = (
    Category(1, "passenger", "经营性道路旅客运输驾驶员", "Passenger transport driver", True),
    Category(2, "cargo", "经营性道路货物运输驾驶员", "General cargo driver", True),
    Category(3, "dg_driver", "道路危险货物运输驾驶员", "Dangerous goods driver", True),
    Category(4, "dg_loader", "道路危险货物运输装卸管理人员", "Dangerous goods loading manager", False),
    Category(5, "dg_escort", "道路危险货物运输押运人员", "Dangerous goods escort", False),
    Category(6, "rad_driver", "放射性物品道路运输驾驶员", "Radioactive goods driver", True),
    Category(7, "rad_loader", "放射性物品道路运输装卸管理人员", "Radioactive goods loading manager", False),
    Category(8, "rad_escort", "放射性物品道路运输押运人员", "Radioactive goods escort", False),
    Category(9, "taxi", "出租汽车驾驶员", "Taxi driver", True),
    Category(10, "instructor", "机动车驾驶培训教练员", "Driving instructor", False, legacy=True),
)
BY_CODE = {c.code: c for c in CATEGORIES}
BY_SLUG = {c.slug: c for c in CATEGORIES}
