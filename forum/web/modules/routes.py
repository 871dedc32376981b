from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.errors import Conflict, Invalid
from forum.models import Module, ScheduleEntry, utcnow
from forum.services import cohorts, modules, permissions
from forum.web.common import page_number, require, show_error
from forum.web.modules import bp
from forum.web.modules.forms import ModuleForm, MoveForm, PublishForm

NEXT_DUE_SHOWN = 3  # per cohort on the home page; the cohort page has the whole schedule


@bp.get("/")
@login_required
def home():
    visible = modules.all_visible_modules(current_user)
    schedule = cohorts.schedule_of(current_user)
    now = utcnow()
    due_by_module: dict[int, list[ScheduleEntry]] = {}
    upcoming: dict[int, list[ScheduleEntry]] = {}
    for entry in schedule:  # soonest first
        due_by_module.setdefault(entry.module_id, []).append(entry)
        if entry.due_at >= now:
            upcoming.setdefault(entry.cohort_id, []).append(entry)
    return render_template(
        "modules/home.html",
        modules=visible,
        memberships=cohorts.memberships_of(current_user),
        due_by_module=due_by_module,
        upcoming={cid: entries[:NEXT_DUE_SHOWN] for cid, entries in upcoming.items()},
        upcoming_total={cid: len(entries) for cid, entries in upcoming.items()},
    )


@bp.get("/modules/<int:module_id>")
@login_required
def view(module_id: int):
    module = modules.get_module(current_user, module_id)
    ordered = modules.all_visible_modules(current_user)
    if module.id not in {m.id for m in ordered}:  # changed between the two reads
        ordered = [module]
    index = next(i for i, m in enumerate(ordered) if m.id == module.id)
    return render_template(
        "modules/view.html",
        module=module,
        number=index + 1,
        count=len(ordered),
        outline=ordered,
        previous=ordered[index - 1] if index > 0 else None,
        following=ordered[index + 1] if index + 1 < len(ordered) else None,
        dues=[e for e in cohorts.schedule_of(current_user) if e.module_id == module.id],
    )


def _owner_choices(module: Module | None = None) -> list[tuple[int, str]]:
    choices = [(u.id, u.name) for u in modules.possible_owners(current_user)]
    if module is not None and module.owner_id not in {c[0] for c in choices}:
        # A departed owner stays selected until someone picks another, so saving other
        # changes never hands the module to whoever happens to be first in the list.
        label = f"{module.owner.name} (deactivated)" if module.owner else "Nobody"
        choices.insert(0, (module.owner_id or 0, label))
    return choices


def _text(value: str | None) -> str:
    """Browsers send textarea lines with CRLF; stored text (and its diffs) use LF."""
    return (value or "").replace("\r\n", "\n")


@bp.route("/modules/new", methods=["GET", "POST"])
@login_required
def create():
    require(permissions.can_create_module(current_user), "Only managers and admins add modules.")
    form = ModuleForm()
    form.owner_id.choices = _owner_choices()
    if request.method == "GET":
        form.owner_id.data = current_user.id
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            module = modules.create_module(
                current_user,
                title=form.title.data,
                summary=_text(form.summary.data),
                body=_text(form.body.data),
                video_url=form.video_url.data or None,
                owner_id=form.owner_id.data,
                published=form.published.data,
            )
        except (Invalid, Conflict) as exc:
            show_error(form, exc)
            status = exc.status
        else:
            flash(f"“{module.title}” is added at the end of the course.", "success")
            return redirect(url_for("modules.view", module_id=module.id))
    return render_template("modules/edit.html", form=form, module=None), status


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@login_required
def edit(module_id: int):
    module = modules.get_module(current_user, module_id)
    require(
        permissions.can_edit_module(current_user, module),
        "Only the module's owner and managers edit it.",
    )
    form = ModuleForm(obj=module)
    if permissions.is_manager(current_user):
        form.owner_id.choices = _owner_choices(module)
        if request.method == "GET":
            form.owner_id.data = module.owner_id or 0
    else:
        del form.owner_id  # handing a module over is for managers
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        changes: dict[str, object] = {
            "title": form.title.data,
            "summary": _text(form.summary.data),
            "body": _text(form.body.data),
            "video_url": form.video_url.data or None,
            "published": form.published.data,
        }
        if "owner_id" in form and form.owner_id.data != (module.owner_id or 0):
            changes["owner_id"] = form.owner_id.data
        try:
            module = modules.update_module(current_user, module.id, **changes)
        except (Invalid, Conflict) as exc:
            show_error(form, exc)
            status = exc.status
        else:
            flash(f"Saved. This is revision {module.revision}.", "success")
            return redirect(url_for("modules.view", module_id=module.id))
    return render_template("modules/edit.html", form=form, module=module), status


@bp.get("/modules/order")
@login_required
def order():
    require(permissions.is_manager(current_user), "Only managers and admins order the course.")
    return render_template("modules/order.html", modules=modules.all_visible_modules(current_user))


@bp.post("/modules/<int:module_id>/move")
@login_required
def move(module_id: int):
    form = MoveForm()
    if not form.validate_on_submit():
        raise Invalid.field("direction", "must be up or down")
    modules.move_module(current_user, module_id, -1 if form.direction.data == "up" else 1)
    return redirect(url_for("modules.order", _anchor=f"module-{module_id}"))


@bp.post("/modules/<int:module_id>/publish")
@login_required
def publish(module_id: int):
    form = PublishForm()
    if not form.validate_on_submit():
        raise Invalid.field("published", "must be yes or no")
    module = modules.update_module(current_user, module_id, published=form.published.data == "yes")
    state = "published: everyone sees it" if module.published else "a draft again"
    flash(f"“{module.title}” is {state}.", "success")
    if permissions.is_manager(current_user):
        return redirect(url_for("modules.order", _anchor=f"module-{module_id}"))
    return redirect(url_for("modules.view", module_id=module_id))


@bp.get("/modules/<int:module_id>/history")
@login_required
def history(module_id: int):
    module = modules.get_module(current_user, module_id)
    revisions = modules.list_revisions(current_user, module.id, page=page_number())
    return render_template("modules/history.html", module=module, revisions=revisions)


@bp.get("/modules/<int:module_id>/history/<int:revision>")
@login_required
def revision(module_id: int, revision: int):
    module = modules.get_module(current_user, module_id)
    diff = modules.diff_revision(current_user, module.id, revision)
    return render_template("modules/diff.html", module=module, diff=diff)
