from __future__ import annotations

from typing import TypedDict

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.errors import Conflict, Invalid, RateLimited
from forum.models import Membership, Module, ScheduleEntry, Thread, utcnow
from forum.services import (
    cohorts,
    faq,
    follows,
    modules,
    permissions,
    progress,
    quizzes,
    search,
    threads,
)
from forum.web.common import page_number, refused, require, show_error
from forum.web.modules import bp
from forum.web.modules.forms import ModuleForm, MoveForm, PublishForm
from forum.web.threads.forms import NewThreadForm, PromptForm
from forum.web.threads.forms import ToggleForm as FollowForm

NEXT_DUE_SHOWN = 3  # per cohort on the home page; the cohort page has the whole schedule


@bp.get("/")
@login_required
def home():
    visible = modules.all_visible_modules(current_user)
    schedule = cohorts.schedule_of(current_user)
    memberships = cohorts.memberships_of(current_user)
    now = utcnow()
    due_by_module: dict[int, list[ScheduleEntry]] = {}
    upcoming: dict[int, list[ScheduleEntry]] = {}
    for entry in schedule:  # soonest first
        due_by_module.setdefault(entry.module_id, []).append(entry)
        if entry.due_at >= now:
            upcoming.setdefault(entry.cohort_id, []).append(entry)
    learning = [m.cohort_id for m in memberships if m.role == "learner"]
    standing = progress.standing_of(current_user, learning, now=now, shown=NEXT_DUE_SHOWN)
    return render_template(
        "modules/home.html",
        modules=visible,
        thread_counts=threads.thread_counts(current_user, [m.id for m in visible]),
        memberships=memberships,
        due_by_module=due_by_module,
        upcoming={cid: entries[:NEXT_DUE_SHOWN] for cid, entries in upcoming.items()},
        upcoming_total={cid: len(entries) for cid, entries in upcoming.items()},
        standing=standing,
        my_status={
            mid: p.status
            for mid, p in progress.statuses_of(current_user, [m.id for m in visible]).items()
        },
    )


@bp.get("/modules/<int:module_id>")
@login_required
def view(module_id: int):
    return _module_page(modules.get_module(current_user, module_id))


# What the module page's thread filters mean, as arguments of ``threads.list_threads``.
class _ThreadFilter(TypedDict, total=False):
    unanswered: bool
    mine: bool


THREAD_FILTERS: dict[str, _ThreadFilter] = {
    "all": {},
    "unanswered": {"unanswered": True},
    "cohort": {"mine": True},
}
THREAD_SORTS = {"active": "Recent activity", "recent": "Newest", "top": "Top"}
THREADS_PER_PAGE = 20


def _module_page(
    module: Module,
    thread_form: NewThreadForm | None = None,
    prompt_form: PromptForm | None = None,
    status: int = 200,
    similar: list | None = None,
):
    """The lesson, then its discussion; after a failed form, that form comes back with errors."""
    show = request.args.get("show", "all")
    sort = request.args.get("sort", "active")
    if show not in THREAD_FILTERS:
        raise Invalid.field("show", f"must be one of: {', '.join(THREAD_FILTERS)}")
    if sort not in THREAD_SORTS:
        raise Invalid.field("sort", f"must be one of: {', '.join(THREAD_SORTS)}")
    listed = threads.list_threads(
        current_user,
        module.id,
        sort=sort,
        page=page_number(),
        per_page=THREADS_PER_PAGE,
        **THREAD_FILTERS[show],
    )
    memberships = cohorts.memberships_of(current_user)
    entries = faq.list_entries(current_user, module)
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
        faq=entries,
        similar=similar,
        faq_sources=faq.visible_sources(current_user, entries),
        threads=listed,
        show=show,
        sort=sort,
        filters={"all": "All", "unanswered": "Unanswered questions", "cohort": "My cohort"},
        sorts=THREAD_SORTS,
        in_cohort=bool(memberships),
        follows_module=follows.follows_module(current_user, module.id),
        my_progress=progress.get_progress(current_user, module.id),
        check=quizzes.find_quiz(current_user, module.id),
        thread_form=thread_form or _thread_form(memberships, formdata=None),
        prompt_form=prompt_form or PromptForm(formdata=None, prefix="prompt"),
    ), status


def _thread_form(memberships: list[Membership], **kwargs) -> NewThreadForm:
    form = NewThreadForm(**kwargs)
    if memberships:
        form.cohort_id.choices = [("", "None (everyone)")] + [
            (str(m.cohort_id), m.cohort.name) for m in memberships
        ]
    else:  # nobody to keep it among: the thread is for everyone who takes the module
        del form.cohort_id
        del form.visibility
    return form


def _opening_url(thread: Thread) -> str:
    """The new thread, at its opening post: an explicit anchor, or the browser would keep the
    form's own (#new-thread) across the redirect."""
    return url_for("threads.view", thread_id=thread.id, _anchor=f"post-{thread.last_post_id}")


@bp.post("/modules/<int:module_id>/threads")
@login_required
def new_thread(module_id: int):
    module = modules.get_module(current_user, module_id)
    form = _thread_form(cohorts.memberships_of(current_user))
    if request.form.get("action") == "check":  # "Check for similar questions", without JS
        text = f"{form.title.data or ''} {form.body.data or ''}"
        try:
            hits = search.similar(current_user, module.id, text)
        except RateLimited as exc:  # the draft stays in the form
            show_error(form, exc)
            return _module_page(module, thread_form=form, status=refused(exc))
        found = threads.threads_in_order(current_user, [h.id for h in hits])
        return _module_page(module, thread_form=form, similar=found)
    status = 400
    if form.validate_on_submit():
        try:
            thread = threads.create_thread(
                current_user,
                module.id,
                title=form.title.data,
                body=_text(form.body.data),
                kind=form.kind.data,
                cohort_id=form.cohort_id.data if "cohort_id" in form else None,
                visibility=(form.visibility.data or None) if "visibility" in form else None,
                anonymous=form.anonymous.data,
            )
        except (Invalid, RateLimited) as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            what = "question" if thread.kind == "question" else "discussion"
            flash(f"Your {what} is posted. You follow it: replies show in your notifications.")
            return redirect(_opening_url(thread))
    return _module_page(module, thread_form=form, status=status)


@bp.post("/modules/<int:module_id>/prompts")
@login_required
def new_prompt(module_id: int):
    module = modules.get_module(current_user, module_id)
    require(
        permissions.can_start_prompt(current_user, module),
        "Only the module's owner and managers start discussion prompts.",
    )
    form = PromptForm(prefix="prompt")
    status = 400
    if form.validate_on_submit():
        try:
            thread = threads.start_prompt(
                current_user, module.id, title=form.title.data, body=_text(form.body.data)
            )
        except Invalid as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            flash("The prompt is pinned at the top of the module's discussion.", "success")
            return redirect(_opening_url(thread))
    return _module_page(module, prompt_form=form, status=status)


@bp.post("/modules/<int:module_id>/follow")
@login_required
def follow(module_id: int):
    form = FollowForm()
    if not form.validate_on_submit():
        raise Invalid.field("on", "must be yes or no")
    if form.on.data == "yes":
        follows.follow_module(current_user, module_id)
        flash("You follow this module: new threads and replies show in your notifications.")
    else:
        follows.unfollow_module(current_user, module_id)
        flash("You no longer follow this module.")
    return redirect(url_for("modules.view", module_id=module_id, _anchor="discussion"))


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
            status = refused(exc)
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
            status = refused(exc)
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
