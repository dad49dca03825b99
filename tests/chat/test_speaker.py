"""One rule for who is speaking, on every platform."""

from __future__ import annotations

from bot.chat.speaker import Role, identify, speaker_of
from bot.grid.loader import load_grid_dir
from bot.grid.model import Grid
from tests.conftest import FIXTURE_FAQ, SUPERUSER


def grid() -> Grid:
    return load_grid_dir(FIXTURE_FAQ).grid


def test_roles_from_the_grid_and_superusers() -> None:
    g = grid()
    assert identify(g, "qq", "10001").role is Role.CADRE
    assert identify(g, "qq", "10008").role is Role.EXPERT
    admin = identify(g, "qq", "10009")
    assert admin.role is Role.ADMIN and admin.is_admin, "a grid admin is an admin everywhere"
    youth = identify(g, "qq", "30001", {SUPERUSER})
    assert (youth.role, youth.is_staff, youth.id, youth.orgs) == (Role.YOUTH, False, "qq:30001", ())
    root = identify(g, "qq", SUPERUSER, {SUPERUSER})
    assert root.role is Role.ADMIN and root.person is None and root.is_staff
    cadre = identify(g, "qq", "10001")
    assert (cadre.id, cadre.person_id, cadre.orgs) == ("street-a", "street-a", ("street",))


def test_superusers_are_qq_numbers_only() -> None:
    g = grid()
    assert identify(g, "wechat", SUPERUSER, {SUPERUSER}).role is Role.YOUTH
    assert identify(g, "web", SUPERUSER, {SUPERUSER}).role is Role.YOUTH


def test_a_person_acting_elsewhere_keeps_their_role() -> None:
    g = grid()
    admin = speaker_of(g.people["admin"])
    assert (admin.platform, admin.account, admin.role) == ("qq", "10009", Role.ADMIN)
    cadre = speaker_of(g.people["street-a"], "web")
    assert (cadre.platform, cadre.account, cadre.role) == ("web", "street-a", Role.CADRE)
