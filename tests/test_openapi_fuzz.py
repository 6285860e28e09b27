"""schemathesis over every operation of /api/openapi.json, against a real server: no 500, and
every answer conforms to the document (status, content type, body schema).

Bounded for CI (about 20 s here): a fixed seed, 20 examples per operation, one worker, positive and
negative data. Operations that need an account run with the demo admin's real token (the widest
reach: leads, glossaries, the audit log, the stream settings of every booth). Half of the path ids
come from a dictionary of ids that exist (a booth, a lead from a real inquiry, a glossary term, a
webhook and its delivery of that inquiry), so the pass reaches past `404 not_found` into the
handlers. The run's output is shown when it fails.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from rooms import demo_fair
from tests.support import Server

ST = Path(sys.executable).with_name("st")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
EXAMPLES = 20


async def _real_ids(server: Server, admin: str) -> dict[str, list[int]]:
    slug = "shenzhen-brightway-led"
    booth_id = await server.booth_id(slug)
    # A webhook before the inquiry, so that it has a delivery to list and redeliver (to a host
    # that never resolves here: it stays pending, retried).
    status, created = await server.post(f"/api/booths/{booth_id}/webhooks", {"url": "https://crm.example.com/hook"},
                                        admin)  # fmt: skip
    assert status == 201, created
    hook = created["webhook"]
    buyer, _ = await server.guest("Ana", "es")
    client = await server.client(buyer)
    assert (await client.call("booth:join", {"booth_id": booth_id}))["ok"]
    ack = await client.call("inquiry:submit", {"booth_id": booth_id, "message": "Precio por 500?",
                                               "email": "ana@example.es", "consent": True})  # fmt: skip
    assert ack["ok"], ack
    status, term = await server.post(f"/api/booths/{booth_id}/glossary", {"term": "Brightway"}, admin)
    assert status == 201, term
    status, deliveries = await server.get(f"/api/webhooks/{hook['id']}/deliveries", admin)
    assert status == 200 and deliveries["deliveries"], deliveries
    return {"booth_id": [booth_id], "lead_id": [ack["lead"]["id"]], "term_id": [term["id"]],
            "webhook_id": [hook["id"]], "delivery_id": [deliveries["deliveries"][0]["id"]]}  # fmt: skip


def _config(ids: dict[str, list[int]]) -> str:
    """A schemathesis.toml: one dictionary per id, used for half of the generated values."""
    lines = []
    for name, values in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    for name in ids:
        lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    return "\n".join(lines) + "\n"


async def test_schemathesis_finds_no_500_and_no_answer_off_the_document(
    live_server: Server, tmp_path: Path
) -> None:
    admin, _ = await live_server.login(demo_fair.ADMIN_EMAIL)
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(await _real_ids(live_server, admin)), encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        str(ST), "--config-file", str(config), "run", f"{live_server.url}/api/openapi.json",
        "--checks", CHECKS,
        "--max-examples", str(EXAMPLES),
        "--phases", "examples,coverage,fuzzing",
        "--seed", "20261128",
        "--workers", "1",
        "--request-timeout", "10",
        "--header", f"Authorization: Bearer {admin}",
        "--generation-database", "none",
        "--no-color",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=240)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-12000:]
    assert "Tested: " in text, text[-2000:]
