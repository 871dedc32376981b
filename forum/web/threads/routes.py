"""Thread and post pages. Each view parses the form, calls one service, and shows the result;
the services and ``permissions`` decide everything."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.errors import Conflict, Invalid, NotFound, RateLimited
from forum.models import User, utcnow
from forum.services import follows, notifications, permissions, posts, threads
from forum.services.threads import ThreadView
from forum.web.common import page_number, query_id, refused, require, show_error
from forum.web.threads import bp
from forum.web.threads.cards import ThreadCards, card_cache, quote_of
from forum.web.threads.display import arrange
from forum.web.threads.forms import (
    AcceptForm,
    EditForm,
    FlagForm,
    ReadForm,
    ReplyBox,
    ReplyForm,
    TitleForm,
    ToggleForm,
    VoteForm,
)


def _text(value: str | None) -> str:
    """Browsers send textarea lines with CRLF; stored text uses LF."""
    return (value or "").replace("\r\n", "\n")


def _me() -> User:
    """The signed-in user itself: a long thread asks about it hundreds of times, and each
    question through Flask-Login's proxy costs a lookup."""
    return current_user._get_current_object()


def _post_url(thread_id: int, post_id: int | None = None) -> str:
    anchor = f"post-{post_id}" if post_id else None
    return url_for("threads.view", thread_id=thread_id, _anchor=anchor)


def _checked(form, field: str = "on") -> None:
    """Buttons carry fixed values; anything else is a hand-made request (400)."""
    if not form.validate_on_submit():
        raise Invalid.field(field, "is missing or not one of the values this button sends")


# The thread page -------------------------------------------------------------------------------


@bp.get("/threads/<int:thread_id>")
@login_required
def view(thread_id: int):
    reply_to = query_id("reply_to")
    me = _me()
    shown = threads.get_thread(me, thread_id)
    first_unread = shown.first_unread_post_id
    moved = threads.mark_read(me, shown)  # writes only when the mark moves
    came_back = first_unread is not None and first_unread != shown.opening.id
    if moved and came_back and reply_to is None:
        # Open at the first post the reader has not seen, without needing any script.
        return redirect(_post_url(thread_id, first_unread))
    return _thread_page(shown, reply_to=reply_to)


def _thread_page(
    shown: ThreadView,
    *,
    reply_to: int | None = None,
    reply_form: ReplyForm | None = None,
    title_form: TitleForm | None = None,
    status: int = 200,
):
    quoted = None
    if reply_to is not None:
        quoted = next((p for p in shown.posts if p.id == reply_to), None)
        if quoted is None:
            raise NotFound("No such post in this thread.")
        if quoted.deleted:
            raise Invalid.field("reply_to", "that post was removed; reply to the thread instead")
    if reply_form is None:
        reply_box = ReplyBox(parent_id=str(reply_to) if reply_to else "")
    else:
        reply_box = ReplyBox.of(reply_form)
    thread = shown.thread
    me = _me()
    may_reply = permissions.can_reply(me, thread)
    may_accept = thread.kind == "question" and permissions.can_accept(me, thread)
    moderator = permissions.is_moderator(me, thread)
    if moderator and title_form is None:  # only moderators get the title form
        title_form = TitleForm(formdata=None, title=thread.title)
    posts = [p.post for p in shown.posts]
    cards = ThreadCards(
        thread,
        may_reply=may_reply,
        may_accept=may_accept,
        editable=permissions.editable_posts(me, thread, posts),
        votable=permissions.votable_posts(me, thread, posts),
        urls=(
            url_for("threads.view", thread_id=thread.id),
            url_for("threads.edit", post_id=0).removesuffix("/0/edit"),
            url_for("people.profile", user_id=0).removesuffix("/0"),
        ),
        now=utcnow(),
        cache=card_cache(),
    )
    return render_template(
        "threads/view.html",
        entries=cards.fill(arrange(shown)),
        view=shown,
        thread=thread,
        quoted=quote_of(quoted) if quoted is not None else None,
        reply=reply_box,
        title_form=title_form,
        cards=cards,
        moderator=moderator,
        may_accept=may_accept,
        may_reply=may_reply,
    ), status


@bp.post("/threads/<int:thread_id>/posts")
@login_required
def reply(thread_id: int):
    shown = threads.get_thread(current_user, thread_id)
    require(
        permissions.can_reply(current_user, shown.thread),
        "This thread is locked: it takes no more replies.",
    )
    form = ReplyForm()
    status = 400
    parent_id = form.parent_id.data
    if form.validate_on_submit():
        try:
            post = posts.reply(
                current_user,
                thread_id,
                body=_text(form.body.data),
                parent_id=parent_id,
                anonymous=form.anonymous.data,
            )
        except (Invalid, RateLimited) as exc:  # the reply stays in the form
            show_error(form, exc)
            status = refused(exc)
        else:
            return redirect(_post_url(thread_id, post.id))
    reply_to = parent_id if parent_id in {p.id for p in shown.posts} else None
    return _thread_page(shown, reply_to=reply_to, reply_form=form, status=status)


@bp.post("/threads/<int:thread_id>/accept")
@login_required
def accept(thread_id: int):
    form = AcceptForm()
    _checked(form, "post_id")
    post_id = form.post_id.data
    threads.accept(current_user, thread_id, post_id or 0)
    flash("Answer accepted: it now shows first.", "success")
    return redirect(_post_url(thread_id, post_id))


@bp.post("/threads/<int:thread_id>/unaccept")
@login_required
def unaccept(thread_id: int):
    _checked(ToggleForm())
    threads.unaccept(current_user, thread_id)
    flash("The thread has no accepted answer now.", "success")
    return redirect(_post_url(thread_id))


@bp.post("/threads/<int:thread_id>/follow")
@login_required
def follow(thread_id: int):
    form = ToggleForm()
    _checked(form)
    if form.on.data == "yes":
        follows.follow_thread(current_user, thread_id)
        flash("You follow this thread: replies will show in your notifications.", "success")
    else:
        follows.unfollow_thread(current_user, thread_id)
        flash("You no longer follow this thread.", "success")
    # Back to the button, not the top of the page: the reader stays where they were.
    return redirect(url_for("threads.view", thread_id=thread_id, _anchor="thread-actions"))


@bp.post("/threads/<int:thread_id>/pin")
@login_required
def pin(thread_id: int):
    form = ToggleForm()
    _checked(form)
    thread = threads.moderate(current_user, thread_id, pinned=form.on.data == "yes")
    flash("Pinned to the top of the module's list." if thread.pinned else "Unpinned.", "success")
    return redirect(_post_url(thread_id))


@bp.post("/threads/<int:thread_id>/lock")
@login_required
def lock(thread_id: int):
    form = ToggleForm()
    _checked(form)
    thread = threads.moderate(current_user, thread_id, locked=form.on.data == "yes")
    flash("Locked: no more replies." if thread.locked else "Unlocked: replies are open.", "success")
    return redirect(_post_url(thread_id))


@bp.post("/threads/<int:thread_id>/title")
@login_required
def retitle(thread_id: int):
    shown = threads.get_thread(current_user, thread_id)
    require(
        permissions.is_moderator(current_user, shown.thread),
        "Only the thread's moderators change its title.",
    )
    form = TitleForm()
    status = 400
    if form.validate_on_submit():
        try:
            threads.moderate(current_user, thread_id, title=form.title.data)
        except Invalid as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            flash("Title changed.", "success")
            return redirect(_post_url(thread_id))
    return _thread_page(shown, title_form=form, status=status)


# Posts -------------------------------------------------------------------------------------------


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post, thread = posts.load_post(current_user, post_id)
    require(
        permissions.can_edit_post(current_user, thread, post),
        "Only the author and the thread's moderators edit a post.",
    )
    form = EditForm(obj=post) if request.method == "GET" else EditForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            posts.edit(current_user, post.id, body=_text(form.body.data))
        except Invalid as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            flash("Saved. The earlier text is kept in the post's history.", "success")
            return redirect(_post_url(thread.id, post.id))
    return render_template("threads/edit.html", form=form, post=post, thread=thread), status


@bp.route("/posts/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id: int):
    post, thread = posts.load_post(current_user, post_id)
    if post.deleted:
        flash("That post is already removed.", "info")
        return redirect(_post_url(thread.id, post.id))
    require(
        permissions.can_edit_post(current_user, thread, post),
        "Only the author and the thread's moderators delete a post.",
    )
    form = ToggleForm()
    if request.method == "POST":
        _checked(form)
        posts.remove(current_user, post.id)
        flash("The post is removed; its place in the thread says so.", "success")
        return redirect(_post_url(thread.id, post.id))
    author = threads.shown_author(current_user, thread, post)
    return render_template(
        "threads/delete.html", form=form, post=post, thread=thread, author=author
    )


@bp.get("/posts/<int:post_id>/history")
@login_required
def history(post_id: int):
    post, thread = posts.load_post(current_user, post_id)
    revisions = posts.revisions(current_user, post.id, page=page_number())
    return render_template(
        "threads/history.html",
        post=post,
        thread=thread,
        author=threads.shown_author(current_user, thread, post),
        revisions=revisions,
    )


@bp.post("/posts/<int:post_id>/vote")
@login_required
def vote(post_id: int):
    form = VoteForm()
    _checked(form, "value")
    post, thread = posts.load_post(current_user, post_id)
    posts.vote(current_user, post.id, int(form.value.data))
    return redirect(_post_url(thread.id, post.id))


@bp.route("/posts/<int:post_id>/flag", methods=["GET", "POST"])
@login_required
def flag(post_id: int):
    post, thread = posts.load_post(current_user, post_id)
    if post.deleted:
        raise NotFound("That post is removed; there is nothing left to flag.")
    form = FlagForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            posts.flag(current_user, post.id, _text(form.reason.data))
        except (Invalid, Conflict, RateLimited) as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            flash("Thank you. The thread's moderators will have a look.", "success")
            return redirect(_post_url(thread.id, post.id))
    author = threads.shown_author(current_user, thread, post)
    return render_template(
        "threads/flag.html", form=form, post=post, thread=thread, author=author
    ), status


# What's new and notifications ------------------------------------------------------------------


@bp.get("/whats-new")
@login_required
def whats_new():
    rows = threads.whats_new(current_user, page=page_number())
    return render_template("threads/whats_new.html", rows=rows)


@bp.get("/notifications")
@login_required
def notifications_page():
    unread_only = request.args.get("unread") == "1"
    page = notifications.list_notifications(current_user, unread=unread_only, page=page_number())
    return render_template(
        "threads/notifications.html",
        notes=page,
        unread_only=unread_only,
        moderates=permissions.can_moderate_anything(current_user),
        target=notification_target,
    )


@bp.get("/notifications/<int:notification_id>")
@login_required
def notification(notification_id: int):
    """Where a notification points, for a link from elsewhere; it changes nothing.

    A GET must not: an old post's ``![](/notifications/N)`` made readers' browsers fetch
    it. Opening one from the notifications page is the POST below."""
    note = notifications.get_notification(current_user, notification_id)
    return redirect(notification_target(note))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Opening an unread notification (its button on the list) marks it read, then goes
    where it points."""
    note = notifications.open_notification(current_user, notification_id)
    return redirect(notification_target(note))


def notification_target(note) -> str:
    if note.thread_id:
        return _post_url(note.thread_id, note.post_id)
    if note.office_hour_id:
        return f"/office-hours/{note.office_hour_id}"
    if note.module_id:
        return url_for("modules.view", module_id=note.module_id)
    return url_for("threads.notifications_page")


@bp.post("/notifications/read")
@login_required
def read_notifications():
    form = ReadForm()
    if not form.validate_on_submit():
        raise Invalid.field("all", "send the id of a notification, or all=yes")
    if form.all.data == "yes":
        notifications.mark_read(current_user, everything=True)
        flash("All notifications are marked read.", "success")
    else:
        note_id = form.id.data
        if note_id is None:
            raise Invalid.field("id", "send the id of a notification, or all=yes")
        notifications.mark_read(current_user, [note_id])
    back = url_for("threads.notifications_page", unread="1" if request.args.get("unread") else None)
    return redirect(back)
