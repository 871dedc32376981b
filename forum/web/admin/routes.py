from forum.web.admin import bp  # noqa: F401
