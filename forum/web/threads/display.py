"""How a thread's posts are laid out on the page: two levels of nesting, deeper replies
flat with a quote of what they answer, the accepted answer first.

This is presentation only: who sees what was decided by ``threads.get_thread``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from forum.services.threads import PostView, ThreadView


@dataclass
class Entry:
    post: PostView
    # Set for replies more than two levels deep: the post they answer, quoted above them.
    quoted: PostView | None = None
    # The accepted answer is shown first; in its own place only a pointer to it remains.
    moved_up: bool = False
    children: list[Entry] = field(default_factory=list)
    html: Markup | None = None  # the post's card, once rendered (ThreadCards.fill)


def arrange(view: ThreadView) -> list[Entry]:
    """Top-level replies (oldest first), each with everything below it."""
    # Reads the stored posts (``pv.post``) rather than through the views' delegation: this
    # runs over every post of every thread page view.
    opening_id = view.posts[0].post.id
    accepted_id = view.thread.accepted_post_id
    shown = {pv.post.id: pv for pv in view.posts}
    top: list[Entry] = []
    level: dict[int, int] = {}  # post id -> 1 (top level), 2, or 3 for anything deeper
    group: dict[int, Entry] = {}  # post id -> the top-level entry it is shown under
    for pv in view.posts[1:]:  # oldest first, so a parent is always placed before its replies
        post_id, parent_id = pv.post.id, pv.post.parent_id
        entry = Entry(pv, moved_up=post_id == accepted_id)
        if parent_id is None or parent_id == opening_id or parent_id not in level:
            top.append(entry)
            level[post_id], group[post_id] = 1, entry
            continue
        home = group[parent_id]
        if level[parent_id] >= 2:
            entry.quoted = shown[parent_id]
        home.children.append(entry)
        level[post_id], group[post_id] = min(level[parent_id] + 1, 3), home
    return top
