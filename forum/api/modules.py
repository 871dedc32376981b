from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from forum.api.common import envelope, signed_in
from forum.api.schemas import (
    ModuleCreateIn,
    ModulePatchIn,
    ModuleSchema,
    ModuleSummarySchema,
    PageArgs,
    RevisionSchema,
    list_of,
)
from forum.services import modules

blp = Blueprint("api_modules", __name__, description="Training modules")


def _module(module) -> dict:
    out = ModuleSchema().dump(module)
    out["faq"] = []  # FAQ entries arrive with answer promotion; none can exist before it
    return out


@blp.post("/modules")
@blp.arguments(ModuleCreateIn)
@blp.response(201, ModuleSchema)
@signed_in
def create_module(data):
    return _module(modules.create_module(current_user, **data))


@blp.get("/modules")
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_of(ModuleSummarySchema))
@signed_in
def list_modules(args):
    return envelope(modules.list_modules(current_user, **args))


@blp.get("/modules/<int:module_id>")
@blp.response(200, ModuleSchema)
@signed_in
def get_module(module_id: int):
    return _module(modules.get_module(current_user, module_id))


@blp.patch("/modules/<int:module_id>")
@blp.arguments(ModulePatchIn)
@blp.response(200, ModuleSchema)
@signed_in
def update_module(data, module_id: int):
    """Change any field; ``revision`` moves on when the title, summary or body change."""
    return _module(modules.update_module(current_user, module_id, **data))


@blp.get("/modules/<int:module_id>/revisions")
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_of(RevisionSchema))
@signed_in
def list_revisions(args, module_id: int):
    return envelope(modules.list_revisions(current_user, module_id, **args))
