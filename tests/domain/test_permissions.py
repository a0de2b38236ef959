"""The permission table and the rule reading it: every action x role, and the cells that matter."""

import pytest

from deskterm.domain.core.permissions import (
    GRANTED,
    OWNER_ROLES,
    TABLE,
    Action,
    Role,
    allowed,
    effective_roles,
    markdown_table,
)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_every_cell_answers_from_the_table(action: Action, role: Role) -> None:
    decision = allowed(action, {role})
    assert decision.allowed is (role in TABLE[action])
    assert decision.action is action and set(decision.needed) == set(TABLE[action])
    if not decision:
        assert "needs the role" in decision.reason


def test_the_cells_the_issue_names() -> None:
    # A viewer writes nothing (an auditor: reads, verifies and exports the audit trail); an
    # agent does desk work but no definitions, CABs or team.
    reads = {Action.READ, Action.AUDIT_VERIFY, Action.AUDIT_EXPORT}
    assert [a for a in Action if allowed(a, {Role.VIEWER})] == [a for a in Action if a in reads]
    assert allowed(Action.TICKET_WRITE, {Role.AGENT})
    for admin_only in (Action.CAB_MANAGE, Action.DEFINITIONS_APPLY, Action.TEAM_MANAGE, Action.DB_RESTORE):
        assert [r for r in Role if allowed(admin_only, {r})] == [Role.ADMIN]
    assert [r for r in Role if allowed(Action.CHANGE_DECIDE, {r})] == [Role.CHANGE_MANAGER]
    assert not allowed(Action.CHANGE_DECIDE, {Role.ADMIN})  # admin is no change manager
    assert not allowed(Action.KEDB_PUBLISH, {Role.AGENT})
    assert allowed(Action.KEDB_PUBLISH, {Role.PROBLEM_MANAGER})
    assert allowed(Action.CATALOGUE_WRITE, {Role.SERVICE_OWNER})
    for keeping in (Action.DB_BACKUP, Action.DB_CHECK):
        assert [r for r in Role if allowed(keeping, {r})] == [Role.DESK_MANAGER, Role.ADMIN]
    assert not allowed(Action.AUDIT_VERIFY, {Role.AGENT}) and allowed(Action.AUDIT_EXPORT, {Role.VIEWER})


@pytest.mark.parametrize("action", [Action.CHANGE_DECIDE, Action.CHANGE_VOTE])
def test_nobody_approves_their_own_change_whatever_their_roles(action: Action) -> None:
    everything = frozenset(Role) - {Role.VIEWER}
    assert allowed(action, everything)
    refused = allowed(action, everything, own=True)
    assert not refused and "nobody approves" in refused.reason


def test_own_does_not_matter_for_work_that_is_not_an_approval() -> None:
    assert allowed(Action.CHANGE_WRITE, {Role.AGENT}, own=True)


def test_effective_roles() -> None:
    assert effective_roles([]) == {Role.AGENT}
    assert effective_roles(["viewer"]) == {Role.VIEWER}
    assert effective_roles(["viewer"], leads_group=True) == {Role.VIEWER}  # read-only stays so
    assert effective_roles(["admin"]) == {Role.ADMIN, Role.AGENT}
    assert effective_roles(["viewer", "admin"]) == {Role.ADMIN, Role.AGENT}
    assert effective_roles(["group-lead", "bogus"]) == {Role.AGENT}  # derived roles are not granted
    assert effective_roles([], leads_group=True, owns_service=True) == {
        Role.AGENT,
        Role.GROUP_LEAD,
        Role.SERVICE_OWNER,
    }
    assert set(OWNER_ROLES) <= GRANTED and Role.VIEWER not in OWNER_ROLES


def test_the_readme_table_has_a_row_per_action_and_a_column_per_role() -> None:
    lines = markdown_table().splitlines()
    assert len(lines) == 2 + len(Action)
    assert all(line.count("|") == len(Role) + 2 for line in lines)


def test_the_readme_shows_the_table_in_force() -> None:
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2] / "README.md"
    assert markdown_table() in readme.read_text(encoding="utf-8")
