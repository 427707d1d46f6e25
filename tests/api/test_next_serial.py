"""GET /v1/credit-blocks/next-serial: the serial a verifier's next credits.issued starts at."""

from __future__ import annotations

from ledger.domain.types.credits import MAX_SERIAL
from tests.helpers import Programme


def _next_serial(client) -> object:
    response = client.get("/v1/credit-blocks/next-serial")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["next_serial"]


def _issue(prog: Programme, start: int, end: int, holder: str = "bank-a") -> None:
    prog.ok("mrv", "credits.issued", {"verification": "v1", "serial_start": start, "serial_end": end, "holder": holder})


def test_it_is_1_before_any_credits(client, sign):
    Programme(client, sign)
    assert _next_serial(client) == 1


def test_it_follows_the_highest_block_whatever_happened_to_it(client, sign):
    prog = Programme(client, sign)
    prog.setup_verified()  # v1: 1,200 tCO2e
    _issue(prog, 1, 100)
    assert _next_serial(client) == 101
    _issue(prog, 501, 600)  # an issuer may leave a gap; the answer is past every block, not the gap
    assert _next_serial(client) == 601
    prog.ok("bank-a", "credits.transferred", {"serial_start": 551, "serial_end": 600, "to": "bank-b"})
    assert _next_serial(client) == 601
    prog.ok("mrv", "credits.cancelled", {"serial_start": 501, "serial_end": 550, "reason": "over-issuance"})
    prog.ok("bank-b", "credits.retired", {"serial_start": 551, "serial_end": 600, "beneficiary": "Bank B 2025 disclosure"})
    assert _next_serial(client) == 601  # retired and cancelled serials are never issued again
    _issue(prog, 601, 700)  # and the answer is one a credits.issued accepts
    assert _next_serial(client) == 701


def test_it_is_null_when_a_block_ends_at_the_largest_serial(client, sign):
    prog = Programme(client, sign)
    prog.setup_verified()
    _issue(prog, MAX_SERIAL - 9, MAX_SERIAL)
    assert _next_serial(client) is None


def test_it_takes_no_query_parameters(client, sign):
    Programme(client, sign)
    response = client.get("/v1/credit-blocks/next-serial?limit=1")
    assert response.status_code == 422 and response.get_json()["code"] == "unknown-query-parameter"


def test_any_token_may_ask_and_no_token_may_not(client, sign):
    from tests.conftest import bearer, token_for

    Programme(client, sign)
    as_verifier = client.get("/v1/credit-blocks/next-serial", headers=bearer(token_for(client.application, "mrv")))
    assert as_verifier.status_code == 200 and as_verifier.get_json() == {"next_serial": 1}
    assert client.get("/v1/credit-blocks/next-serial", headers={"Authorization": ""}).status_code == 401
