"""Activities as the console lists them: those of the viewer's orgs (all for admins), newest
first, with their sign-up figures. Reading only: changes go through `ActivityService`."""

from __future__ import annotations

from sqlalchemy import or_, select

from bot.activities.models import Activity
from bot.console.scope import Viewer
from bot.storage.database import Database

LIST_LIMIT = 200


def sees(viewer: Viewer, activity: Activity) -> bool:
    """Whether the viewer sees `activity`: its org is in scope, or the viewer created it."""
    if viewer.orgs is None:
        return True
    if viewer.person is not None and activity.created_by == viewer.person.id:
        return True
    return viewer.sees_org(activity.org_id)


async def listing(db: Database, viewer: Viewer, limit: int = LIST_LIMIT) -> list[Activity]:
    """The activities the viewer sees, newest first."""
    query = select(Activity).order_by(Activity.starts_at.desc(), Activity.id.desc()).limit(limit)
    if viewer.orgs is not None:
        seen = [Activity.org_id.in_(viewer.orgs)]
        if viewer.person is not None:
            seen.append(Activity.created_by == viewer.person.id)
        query = query.where(or_(*seen))
    async with db.session() as session:
        return list((await session.scalars(query)).all())
