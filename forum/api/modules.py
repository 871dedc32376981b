from __future__ import annotations

from flask_login import current_user

from forum.api.common import Blueprint, envelope, signed_in
from forum.api.schemas import (
    ModuleCreateIn,
    ModulePatchIn,
    ModuleSchema,
    ModuleSummarySchema,
    PageArgs,
    RevisionSchema,
    list_of,
)
from forum.models import Module
from forum.services import faq, modules

blp = Blueprint("api_modules", __name__, description="Training modules")


def _module(module: Module) -> dict:
    """The model's fields plus ``faq``; the response schema does the one and only dump."""
    out = {name: getattr(module, name) for name in ModuleSchema().fields if name != "faq"}
    out["faq"] = faq.list_entries(current_user, module)
    return out


@blp.post("/modules")
@signed_in
@blp.arguments(ModuleCreateIn)
@blp.response(201, ModuleSchema)
def create_module(data):
    return _module(modules.create_module(current_user, **data))


@blp.get("/modules")
@signed_in
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_of(ModuleSummarySchema))
def list_modules(args):
    return envelope(modules.list_modules(current_user, **args))


@blp.get("/modules/<int:module_id>")
@signed_in
@blp.response(200, ModuleSchema)
def get_module(module_id: int):
    return _module(modules.get_module(current_user, module_id))


@blp.patch("/modules/<int:module_id>")
@signed_in
@blp.arguments(ModulePatchIn)
@blp.response(200, ModuleSchema)
def update_module(data, module_id: int):
    """Change any field; ``revision`` moves on when the title, summary or body change."""
    return _module(modules.update_module(current_user, module_id, **data))


@blp.get("/modules/<int:module_id>/revisions")
@signed_in
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_of(RevisionSchema))
def list_revisions(args, module_id: int):
    return envelope(modules.list_revisions(current_user, module_id, **args))
