"""Fixtures of the screening tests: carriers made directly (only the fields screening reads
matter, the rest are the required minimum) and a ``screen`` shortcut."""

from datetime import time
from decimal import Decimal

import pytest

from carriers.models import Carrier
from prohibited.services import ScreeningInput, screen_item


def make_carrier(code: str, groups: list[int], *, active: bool = True) -> Carrier:
    return Carrier.objects.create(
        code=code,
        name_zh_hans=code,
        active=active,
        max_weight_kg=Decimal("50"),
        max_length_cm=Decimal("150"),
        max_volume_cm3=Decimal("600000"),
        pickup_start=time(8),
        pickup_end=time(20),
        insurance_max_value=Decimal("20000"),
        refusal_groups=groups,
        transport_modes=["ground"],
    )


@pytest.fixture
def every_group_carrier(db):
    return make_carrier("all-groups", list(range(1, 12)))


@pytest.fixture
def hk_bag(db):
    return make_carrier("hk-bag", [1, 2, 3, 5, 6, 7, 8, 9, 11])


@pytest.fixture
def screen(db):
    def run(description: str = "", *, carrier=None, **fields):
        return screen_item(ScreeningInput(description=description, **fields), carrier=carrier)

    return run
