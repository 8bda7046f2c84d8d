"""Orders: integer ids, owned by one user.

Four of the five handlers check ownership; `GET /orders/{order_id}` forgets to
(`authz-bola-read`), the most common shape of BOLA: the check exists, in the other handlers.
`GET /orders` clamps its page size to 100 unless `rl-resource-consumption` is on.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from authsift.lab.deps import NOT_FOUND, PROTECTED_ERRORS, Lab, UserCaller, require_scope
from authsift.lab.store import Order
from authsift.lab.users import Principal

router = APIRouter(tags=["orders"], responses=PROTECTED_ERRORS)

MAX_PAGE_SIZE = 100
_UNIT_PRICE_CENTS = 1250


class OrderOut(BaseModel):
    id: int
    owner_id: int
    owner_email: str
    item: str
    quantity: int
    total_cents: int
    status: str
    note: str
    created_at: str


class OrderPage(BaseModel):
    items: list[OrderOut]
    total: int
    limit: int
    offset: int


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    item: str = Field(min_length=1, max_length=80)
    quantity: int = Field(ge=1, le=1000)
    note: str = Field(default="", max_length=500)


def _view(order: Order) -> OrderOut:
    return OrderOut(
        id=order.id,
        owner_id=order.owner_id,
        owner_email=order.owner_email,
        item=order.item,
        quantity=order.quantity,
        total_cents=order.total_cents,
        status=order.status,
        note=order.note,
        created_at=order.created_at,
    )


def _not_found() -> HTTPException:
    # 404, not 403, for other users' orders: existence is not disclosed (OWASP API1:2023).
    return HTTPException(status_code=404, detail="order not found")


def _own_order(lab: Lab, caller: Principal, order_id: int) -> Order:
    order = lab.domain.order(order_id)
    if order is None or order.owner_id != caller.user.id:
        raise _not_found()
    return order


@router.get("/orders", response_model=OrderPage)
def list_orders(
    caller: UserCaller,
    lab: Lab,
    limit: Annotated[int, Query(ge=1, description=f"page size, at most {MAX_PAGE_SIZE}")] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> OrderPage:
    if not lab.settings.on("rl-resource-consumption"):
        limit = min(limit, MAX_PAGE_SIZE)  # OWASP API4:2023: cap the records per page
    orders = sorted(lab.domain.orders_of(caller.user.id), key=lambda o: o.id)
    page = orders[offset : offset + limit]
    return OrderPage(items=[_view(o) for o in page], total=len(orders), limit=limit, offset=offset)


@router.post("/orders", response_model=OrderOut, status_code=201)
def create_order(body: OrderIn, caller: UserCaller, lab: Lab) -> OrderOut:
    require_scope(lab, caller, "write")
    order = lab.domain.add_order(
        caller.user, body.item, body.quantity, body.quantity * _UNIT_PRICE_CENTS, note=body.note
    )
    return _view(order)


@router.get("/orders/{order_id}", responses=NOT_FOUND, response_model=OrderOut)
def read_order(order_id: int, caller: UserCaller, lab: Lab) -> OrderOut:
    if lab.settings.on("authz-bola-read"):
        # Written when "you can only reach order ids from your own list" was believed true.
        order = lab.domain.order(order_id)
        if order is None:
            raise _not_found()
        return _view(order)
    return _view(_own_order(lab, caller, order_id))


@router.put("/orders/{order_id}", responses=NOT_FOUND, response_model=OrderOut)
def replace_order(order_id: int, body: OrderIn, caller: UserCaller, lab: Lab) -> OrderOut:
    require_scope(lab, caller, "write")
    order = _own_order(lab, caller, order_id)
    updated = lab.domain.update_order(
        order.id,
        item=body.item,
        quantity=body.quantity,
        note=body.note,
        total_cents=body.quantity * _UNIT_PRICE_CENTS,
    )
    return _view(updated)


@router.delete("/orders/{order_id}", responses=NOT_FOUND, status_code=204, response_class=Response)
def delete_order(order_id: int, caller: UserCaller, lab: Lab) -> Response:
    require_scope(lab, caller, "write")
    order = _own_order(lab, caller, order_id)
    lab.domain.delete_order(order.id)
    return Response(status_code=204)
