from __future__ import annotations

from flask_login import current_user

from forum.api.common import Blueprint, envelope, signed_in
from forum.api.schemas import (
    CohortDetailSchema,
    CohortIn,
    CohortSchema,
    MemberIn,
    MemberSchema,
    PageArgs,
    ScheduleIn,
    ScheduleSchema,
    list_of,
)
from forum.services import cohorts

blp = Blueprint("api_cohorts", __name__, description="Cohorts, members and schedules")


def _cohort(row) -> dict:
    c = row.cohort
    return {
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "member_count": row.member_count,
    }


@blp.post("/cohorts")
@signed_in
@blp.arguments(CohortIn)
@blp.response(201, CohortSchema)
def create_cohort(data):
    return _cohort(cohorts.create_cohort(current_user, data["name"], data.get("description")))


@blp.get("/cohorts")
@signed_in
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_of(CohortSchema))
def list_cohorts(args):
    page = cohorts.list_cohorts(current_user, **args)
    return envelope(page, [_cohort(r) for r in page.items])


@blp.get("/cohorts/<int:cohort_id>")
@signed_in
@blp.response(200, CohortDetailSchema)
def get_cohort(cohort_id: int):
    detail = cohorts.get_cohort(current_user, cohort_id)
    return {
        **_cohort(detail),
        "members": detail.members,
        "schedule": detail.schedule,
    }


@blp.post("/cohorts/<int:cohort_id>/members")
@signed_in
@blp.arguments(MemberIn)
@blp.response(201, MemberSchema)
def add_member(data, cohort_id: int):
    return cohorts.add_member(current_user, cohort_id, data["user_id"], data["role"])


@blp.delete("/cohorts/<int:cohort_id>/members/<int:user_id>")
@signed_in
@blp.response(204)
def remove_member(cohort_id: int, user_id: int):
    cohorts.remove_member(current_user, cohort_id, user_id)


@blp.put("/cohorts/<int:cohort_id>/schedule/<int:module_id>")
@signed_in
@blp.arguments(ScheduleIn)
@blp.response(200, ScheduleSchema)
def set_due_date(data, cohort_id: int, module_id: int):
    return cohorts.set_due_date(current_user, cohort_id, module_id, data["due_at"])


@blp.delete("/cohorts/<int:cohort_id>/schedule/<int:module_id>")
@signed_in
@blp.response(204)
def clear_due_date(cohort_id: int, module_id: int):
    cohorts.clear_due_date(current_user, cohort_id, module_id)
