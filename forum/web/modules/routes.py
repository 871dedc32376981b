from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from forum.services import cohorts, modules
from forum.web.modules import bp


@bp.get("/")
@login_required
def home():
    return render_template(
        "modules/home.html",
        modules=modules.all_visible_modules(current_user),
        memberships=cohorts.memberships_of(current_user),
    )


@bp.get("/modules/<int:module_id>")
@login_required
def view(module_id: int):
    module = modules.get_module(current_user, module_id)
    return render_template("modules/view.html", module=module)
