"""The baseline for bench/thread_page.py: a bare Flask + Flask-SQLAlchemy thread page.

No sign-in, no permission checks, no CSRF, no read marks: two queries (the thread's posts,
then their authors) rendered by a Jinja template of about the same HTML size as the real
page, from the same stored ``body_html``, on the same database file. It is what a thread
page costs at the least with this stack, so the real page is measured as a fraction of it.

    BARE_DATABASE_URL=sqlite:////tmp/x/forum.db gunicorn -w 2 -b 127.0.0.1:8001 \
        --chdir bench bare_app:app
"""

from __future__ import annotations

import os
from datetime import datetime

from flask import Flask, abort, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    handle: Mapped[str | None] = mapped_column(String(40))


class Post(db.Model):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(Integer)
    body_html: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


# Kept in code (a DictLoader, compiled once per process like any template file) so the
# baseline is a single file. The markup mirrors the real page's shape: a layout with header,
# navigation and footer, then per post an article with author, time, score, body and a row
# of small forms, so that both pages send about the same number of bytes.
LAYOUT = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>{% block title %}{% endblock %} · Learning forum</title>
  <link rel="stylesheet" href="/static/css/app.css">
</head>
<body>
  <a class="skip-link" href="#main">Skip to content</a>
  <header class="site-header">
    <div class="wrap header-inner">
      <a class="brand" href="/"><span class="brand-mark" aria-hidden="true">◆</span>
        Learning forum</a>
      <nav class="main-nav" aria-label="Main">
        <ul>
          <li><a href="/" aria-current="page">Modules</a></li>
          <li><a href="/cohorts">Cohorts</a></li>
          <li><a href="/whats-new">What's new</a></li>
        </ul>
      </nav>
    </div>
  </header>
  <main id="main" tabindex="-1" class="wrap">
    {% block content %}{% endblock %}
  </main>
  <footer class="site-footer">
    <div class="wrap">
      <p>Learning forum: lessons, cohorts and questions, at your own pace.</p>
    </div>
  </footer>
</body>
</html>
"""

THREAD = """{% extends "layout.html" %}
{% block title %}Thread {{ thread_id }}{% endblock %}
{% block content %}
<article class="thread" aria-labelledby="thread-title">
  <h1 id="thread-title">Thread {{ thread_id }}</h1>
  <p class="meta">{{ posts|length }} posts</p>
  <ol class="posts">
  {% for post in posts %}
    {% set author = authors.get(post.author_id) %}
    <li id="post-{{ post.id }}" class="post{% if post.parent_id %} reply{% endif %}">
      <article aria-labelledby="post-{{ post.id }}-by">
        <header class="post-head">
          <p id="post-{{ post.id }}-by" class="author">
            {% if author %}<a href="/people/{{ author.handle }}">{{ author.name }}</a>
            <span class="handle">@{{ author.handle }}</span>{% else %}Anonymous{% endif %}
          </p>
          <p class="meta"><a href="#post-{{ post.id }}">
            <time datetime="{{ post.created_at.isoformat() }}">
              {{- post.created_at.strftime('%d %b %Y, %H:%M') }} UTC</time></a>
          {% if post.parent_id %}· in reply to
            <a href="#post-{{ post.parent_id }}">an earlier post</a>{% endif %}</p>
        </header>
        <div class="post-body prose">{{ post.body_html|safe }}</div>
        <footer class="post-actions">
          <form method="post" action="/posts/{{ post.id }}/vote" class="vote">
            <input type="hidden" name="csrf_token" value="{{ token }}">
            <button type="submit" name="value" value="1" class="button small secondary"
              aria-label="Vote up">▲</button>
            <span class="score" aria-label="Score">{{ post.score }}</span>
          </form>
          <a class="button small secondary" href="?reply_to={{ post.id }}#reply">Reply</a>
          <a class="button small secondary" href="/posts/{{ post.id }}/flag">Flag</a>
        </footer>
      </article>
    </li>
  {% endfor %}
  </ol>
</article>
<section id="reply" class="card" aria-labelledby="reply-title">
  <h2 id="reply-title">Your reply</h2>
  <form method="post" action="/threads/{{ thread_id }}/replies" class="stack">
    <input type="hidden" name="csrf_token" value="{{ token }}">
    <label for="body">Reply</label>
    <textarea id="body" name="body" rows="8" required></textarea>
    <button type="submit" class="button">Post reply</button>
  </form>
</section>
{% endblock %}
"""

# A fixed stand-in for a CSRF token, the same length as Flask-WTF's, so the bytes compare.
TOKEN = "x" * 91


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
    app.jinja_loader = DictLoader({"layout.html": LAYOUT, "thread.html": THREAD})
    db.init_app(app)

    @app.get("/threads/<int:thread_id>")
    def thread(thread_id: int):
        posts = db.session.scalars(
            select(Post).where(Post.thread_id == thread_id).order_by(Post.id)
        ).all()
        if not posts:
            abort(404)
        ids = {p.author_id for p in posts if p.author_id is not None}
        authors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
        return render_template(
            "thread.html", thread_id=thread_id, posts=posts, authors=authors, token=TOKEN
        )

    return app


app = create_app()
