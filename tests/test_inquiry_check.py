"""rooms/leads.py's one inquiry check: the domain decides, whichever edge the inquiry came through."""

from __future__ import annotations

import pytest

from rooms.auth import AuthUser
from rooms.errors import BadRequest, DomainError, Forbidden, TooLong
from rooms.leads import MAX_INQUIRY_LENGTH, Inquiry, check_inquiry

BUYER = AuthUser(id=1, role="buyer", display_name="B", lang="es")
SUPPLIER = AuthUser(id=2, role="supplier", display_name="S", lang="zh", booth_id=5)


def test_a_good_inquiry_comes_back_with_its_message_trimmed() -> None:
    checked = check_inquiry(BUYER, Inquiry(message="  Hola  ", email="a@b.es", consent=True, quantity=3))
    assert checked.message == "Hola" and checked.quantity == 3


@pytest.mark.parametrize(
    ("actor", "inquiry", "error"),
    [
        (BUYER, Inquiry(message=" \n ", email="a@b.es", consent=True), BadRequest),
        (BUYER, Inquiry(message="x" * (MAX_INQUIRY_LENGTH + 1), email="a@b.es", consent=True), TooLong),
        (SUPPLIER, Inquiry(message="Hola", email="a@b.es", consent=True), Forbidden),
        (BUYER, Inquiry(message="Hola", email="a@b.es", consent=False), BadRequest),
    ],
)
def test_each_refusal_is_its_domain_error(
    actor: AuthUser, inquiry: Inquiry, error: type[DomainError]
) -> None:
    with pytest.raises(error):
        check_inquiry(actor, inquiry)


def test_the_message_is_checked_before_the_role() -> None:
    """The order the socket edge always answered in: an empty message is `bad_request` for anyone."""
    with pytest.raises(BadRequest):
        check_inquiry(SUPPLIER, Inquiry(message="", email="a@b.es", consent=True))
