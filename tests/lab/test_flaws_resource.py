"""`rl-resource-consumption`: the page size of `GET /orders` is clamped unless the flaw is on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authsift.lab.routes_orders import MAX_PAGE_SIZE
from authsift.lab.store import HISTORY_ORDERS_PER_USER

if TYPE_CHECKING:
    from conftest import Http, LabFor, TokenFor


def test_page_size_clamp(mode: str, lab_for: LabFor, http: Http, token_for: TokenFor) -> None:
    base = lab_for(mode, "rl-resource-consumption")
    auth = {"Authorization": f"Bearer {token_for(base, 'alice')}"}
    default_page = http("GET", f"{base}/orders", headers=auth).json()
    assert len(default_page["items"]) == 20
    huge = http("GET", f"{base}/orders?limit=10000", headers=auth)
    assert huge.status == 200
    items = huge.json()["items"]
    assert all(order["owner_email"] == "alice@lab.example" for order in items)
    if mode == "off":
        assert len(items) == MAX_PAGE_SIZE and huge.json()["limit"] == MAX_PAGE_SIZE
    else:
        assert len(items) > 1000
        assert len(items) >= HISTORY_ORDERS_PER_USER
