"""Background jobs (admins): the failed, retrying and stuck ones, with retry and discard."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.errors import Conflict
from forum.services import jobs, permissions
from forum.web.admin import bp
from forum.web.common import page_number, require


def _gate() -> None:
    require(permissions.can_manage_jobs(current_user), "Only admins see the background jobs.")


@bp.get("/admin/jobs")
@login_required
def jobs_page():
    _gate()
    return render_template("admin/jobs.html", overview=jobs.overview(current_user, page_number()))


@bp.post("/admin/jobs/<int:job_id>/retry")
@login_required
def retry_job(job_id: int):
    _gate()
    page = page_number()
    try:
        jobs.retry(current_user, job_id)
    except Conflict as exc:
        flash(exc.message, "error")
    else:
        flash(f"Job {job_id} will run again in a moment.", "success")
    return redirect(url_for("admin.jobs_page", page=page))


@bp.post("/admin/jobs/<int:job_id>/discard")
@login_required
def discard_job(job_id: int):
    _gate()
    page = page_number()
    jobs.discard(current_user, job_id)
    flash(f"Job {job_id} is discarded: it will not run.", "success")
    return redirect(url_for("admin.jobs_page", page=page))
