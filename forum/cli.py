"""Command-line tools: ``flask --app forum users create``, ``seed-demo``, ``worker``."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from forum.errors import ForumError

users_cli = AppGroup("users", help="Manage people.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(["admin", "manager", "member"]), default="member")
def create_user_command(email: str, name: str, password: str, role: str) -> None:
    """Create a user and print the new id."""
    from forum.services import accounts

    try:
        new = accounts.create_user(None, email=email, name=name, role=role, password=password)
    except ForumError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(new.user.id)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo: modules, cohorts with schedules, people across the roles."""
    from forum import demo

    if if_empty and not demo.database_is_empty():
        click.echo("The database already has data; demo not loaded.")
        return
    try:
        logins = demo.seed()
    except ForumError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Demo loaded. Sign in with any of these (password for all: {demo.PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<12} {email}")


@click.command("worker")
@click.option("--once", is_flag=True, help="Carry out what is due now, then stop.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Carry out queued side effects (mail, search indexing) until stopped."""
    from forum.background import POLL_SECONDS, run_pending

    click.echo("Worker started; Ctrl+C stops it.")
    try:
        while True:
            done, failed = run_pending()
            if done or failed:
                click.echo(f"{done} done, {failed} failed")
            if once and not (done or failed):
                return
            if not (done or failed):
                time.sleep(1 if current_app.debug else POLL_SECONDS / 5)
    except KeyboardInterrupt:
        click.echo("Worker stopped.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(worker_command)
