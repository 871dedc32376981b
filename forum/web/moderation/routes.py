from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.errors import Invalid
from forum.services import moderation, permissions, threads
from forum.web.common import page_number, require
from forum.web.moderation import bp
from forum.web.threads.forms import ToggleForm

NOT_A_MODERATOR = "The flag queue and the moderation log are for moderators."


@bp.get("/moderation/flags")
@login_required
def flags():
    require(permissions.can_moderate_anything(current_user), NOT_A_MODERATOR)
    queue = moderation.flag_queue(current_user, page=page_number())
    return render_template("moderation/flags.html", queue=queue)


@bp.post("/moderation/flags/<int:flag_id>/clear")
@login_required
def clear(flag_id: int):
    if not ToggleForm().validate_on_submit():
        raise Invalid.field("on", "must be yes")
    moderation.clear_flag(current_user, flag_id)
    flash("Flag cleared. It is recorded in the moderation log.", "success")
    return redirect(url_for("moderation.flags"))


@bp.get("/moderation/log")
@login_required
def log():
    entries = moderation.list_log(current_user, page=page_number())
    titles = threads.thread_titles(current_user, [e.thread_id for e in entries.items])
    return render_template("moderation/log.html", entries=entries, titles=titles)
