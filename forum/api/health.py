from __future__ import annotations

from forum.api.common import Blueprint
from forum.api.schemas import HealthSchema
from forum.services import health

blp = Blueprint("api_health", __name__, description="Service health")


@blp.get("/health")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database is down")
def get_health():
    report = health.check()
    return report, 503 if report["database"] == "down" else 200
