from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.errors import Invalid
from forum.services import archive, faq, permissions
from forum.web.common import form_id, require, show_error
from forum.web.faq import bp
from forum.web.faq.forms import FaqEditForm, FaqForm


def _in_module(entry_id: int, module_id: int) -> str:
    return url_for("modules.view", module_id=module_id, _anchor=f"faq-{entry_id}")


@bp.route("/threads/<int:thread_id>/promote", methods=["GET", "POST"])
@login_required
def promote(thread_id: int):
    """The text to be published, editable first."""
    thread, question, answer = faq.draft(current_user, thread_id)
    form = FaqForm(question=question, answer=answer or "")
    if answer is not None and form.validate_on_submit():
        try:
            entry = faq.promote(
                current_user, thread.id, question=form.question.data, answer=form.answer.data
            )
        except Invalid as exc:
            show_error(form, exc)
        else:
            flash("The answer is in the module's FAQ.", "success")
            return redirect(_in_module(entry.id, entry.module_id))
    status = 400 if form.errors else 200
    return render_template(
        "faq/promote.html", form=form, thread=thread, has_answer=answer is not None
    ), status


@bp.route("/faq/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    entry = faq.get_entry(current_user, entry_id)
    require(permissions.can_manage_faq(current_user, entry.module),
            "Only the module's owner and managers change its FAQ.")  # fmt: skip
    form = FaqEditForm(obj=entry)
    if form.validate_on_submit():
        try:
            faq.update_entry(
                current_user,
                entry.id,
                question=form.question.data,
                answer=form.answer.data,
                position=form.position.data,
            )
        except Invalid as exc:
            show_error(form, exc)
        else:
            flash("The FAQ entry is saved.", "success")
            return redirect(_in_module(entry.id, entry.module_id))
    status = 400 if form.errors else 200
    return render_template("faq/edit.html", form=form, entry=entry), status


@bp.post("/faq/<int:entry_id>/fold")
@login_required
def fold(entry_id: int):
    module = faq.fold_into_lesson(current_user, entry_id)
    flash("The entry is now part of the lesson (a new revision), and left the FAQ.", "success")
    return redirect(url_for("modules.view", module_id=module.id))


@bp.post("/faq/<int:entry_id>/remove")
@login_required
def remove(entry_id: int):
    module_id = faq.get_entry(current_user, entry_id).module_id
    faq.remove_entry(current_user, entry_id)
    flash("The entry is removed from the FAQ.", "success")
    return redirect(url_for("modules.view", module_id=module_id, _anchor="faq"))


@bp.post("/modules/<int:module_id>/similar/opened")
@login_required
def similar_opened(module_id: int):
    """An answered question opened from the similar-questions list: noted, then shown."""
    thread_id = form_id("thread_id")
    archive.record_similar_open(current_user, module_id, thread_id)
    return redirect(url_for("threads.view", thread_id=thread_id))


@bp.get("/modules/<int:module_id>/gaps")
@login_required
def gaps(module_id: int):
    return render_template("faq/gaps.html", gaps=archive.doc_gaps(current_user, module_id))


@bp.post("/faq/<int:entry_id>/reviewed")
@login_required
def reviewed(entry_id: int):
    entry = faq.mark_reviewed(current_user, entry_id)
    flash("The entry is marked as still right for the lesson.", "success")
    return redirect(url_for("faq.gaps", module_id=entry.module_id, _anchor="review"))
