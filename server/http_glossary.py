"""The HTTP API of a booth's glossary: list, add, change and delete its terms.

Who may is the domain's question (`rooms/glossary.py`: staff of the booth and admins, with the
caller's current role, which `require_user` reloads from the database); this module parses ids
and bodies and maps the answers.
"""

from __future__ import annotations

from aiohttp import web

from rooms import glossary
from server import responses, schemas
from server.api_routes import api_routes
from server.http_api import body, id_param, jsonify
from server.http_auth import require_user
from server.keys import FAIR

BASE = "/api/booths/{booth_id}/glossary"


async def get_glossary(request: web.Request) -> web.Response:
    """`{booth_id, version, terms: [{id, term, translations}]}`; staff of the booth and admins."""
    actor = await require_user(request)
    return jsonify(await glossary.list_terms(request.app[FAIR], actor, id_param(request, "booth_id")))


async def post_term(request: web.Request) -> web.Response:
    """`{term, translations?}` → 201 with the term; `conflict` for a term the booth has already."""
    actor = await require_user(request)
    booth_id = id_param(request, "booth_id")
    p = await body(request, schemas.GlossaryTermIn)
    term = await glossary.do_add_term(request.app[FAIR], actor, booth_id, p.term, p.translations)
    return jsonify(term, status=201)


async def patch_term(request: web.Request) -> web.Response:
    """`{term?, translations?}` → the term; `translations` replaces the whole map."""
    actor = await require_user(request)
    booth_id, term_id = id_param(request, "booth_id"), id_param(request, "term_id")
    p = await body(request, schemas.GlossaryTermPatch)
    term = await glossary.do_update_term(
        request.app[FAIR], actor, booth_id, term_id, term=p.term, translations=p.translations
    )
    return jsonify(term)


async def delete_term(request: web.Request) -> web.Response:
    """→ 204."""
    actor = await require_user(request)
    booth_id, term_id = id_param(request, "booth_id"), id_param(request, "term_id")
    await glossary.do_delete_term(request.app[FAIR], actor, booth_id, term_id)
    return web.Response(status=204)


def setup_glossary_api(app: web.Application) -> None:
    api = api_routes(app)
    who = "Staff of the booth and admins."
    api.get(BASE, get_glossary, summary="A booth's glossary", description=who, auth="bearer", tag="glossary",
            response=responses.GlossaryOut)  # fmt: skip
    api.post(BASE, post_term, summary="Add a term", description=who, auth="bearer", tag="glossary",
             body=schemas.GlossaryTermIn, response=responses.GlossaryTerm, status=201, errors=(409, 429))  # fmt: skip
    api.patch(BASE + "/{term_id}", patch_term, summary="Change a term", description=who, auth="bearer",
              tag="glossary", body=schemas.GlossaryTermPatch, response=responses.GlossaryTerm,
              errors=(409, 429))  # fmt: skip
    api.delete(BASE + "/{term_id}", delete_term, summary="Delete a term", description=who, auth="bearer",
               tag="glossary", status=204, errors=(429,))  # fmt: skip
