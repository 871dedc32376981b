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
    opening_id = view.opening.id
    accepted_id = view.thread.accepted_post_id
    by_id = {p.id: p for p in view.posts}
    top: list[Entry] = []
    level: dict[int, int] = {}  # post id -> 1 (top level), 2, or 3 for anything deeper
    group: dict[int, Entry] = {}  # post id -> the top-level entry it is shown under
    for post in view.replies:  # oldest first, so a parent is always placed before its replies
        parent = by_id.get(post.parent_id) if post.parent_id else None
        entry = Entry(post, moved_up=post.id == accepted_id)
        if parent is None or parent.id == opening_id or parent.id not in level:
            top.append(entry)
            level[post.id], group[post.id] = 1, entry
            continue
        home = group[parent.id]
        if level[parent.id] >= 2:
            entry.quoted = parent
        home.children.append(entry)
        level[post.id], group[post.id] = min(level[parent.id] + 1, 3), home
    return top
