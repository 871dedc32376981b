from forum.web.cohorts import bp  # noqa: F401
