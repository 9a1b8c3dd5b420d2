"""Host patterns: Ansible's syntax over the inventory."""

from __future__ import annotations

import pytest

from dozor.inventory import Inventory, UnknownHostError, host_names_for_completion, select_hosts


@pytest.fixture
def inv() -> Inventory:
    return Inventory.model_validate(
        {
            "groups": {
                "web": ["web1", "web2", "web3"],
                "db": ["db1", "db2"],
                "eu": ["web1", "db1", "@edge"],
                "prod": ["@eu", "@us"],
            },
            "hosts": {
                "web1": {"address": "10.0.0.1", "tags": ["nginx"]},
                "web2": {"address": "10.0.0.2", "tags": ["nginx"], "groups": ["us"]},
                "web3": {"address": "10.0.0.3", "tags": ["canary"]},
                "db1": {"address": "10.0.1.1"},
                "db2": {"address": "10.0.1.2", "groups": ["us"]},
                "lb1": {"address": "10.0.2.1", "tags": ["edge"]},
                "dev": {"address": "local"},
            },
        }
    )


ALL = ["web1", "web2", "web3", "db1", "db2", "lb1", "dev"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # everything
        (None, ALL),
        ("", ALL),
        ("all", ALL),
        ("*", ALL),
        ("  ", ALL),
        # names and globs
        ("db1", ["db1"]),
        ("web*", ["web1", "web2", "web3"]),
        ("db?", ["db1", "db2"]),
        ("web[13]", ["web1", "web3"]),
        ("*1", ["web1", "db1", "lb1"]),
        # groups, host-declared groups, tags, nesting
        ("@web", ["web1", "web2", "web3"]),
        ("@us", ["web2", "db2"]),
        ("@nginx", ["web1", "web2"]),
        ("@eu", ["web1", "db1", "lb1"]),
        ("@prod", ["web1", "web2", "db1", "db2", "lb1"]),
        # lists, in inventory order, no duplicates
        ("db1,web1", ["web1", "db1"]),
        ("db1:web1", ["web1", "db1"]),
        ("web1, web1 ,@nginx", ["web1", "web2"]),
        ("dev,@db,", ["db1", "db2", "dev"]),
        # exclusion and intersection
        ("web*:!web3", ["web1", "web2"]),
        ("@eu:&@web", ["web1"]),
        ("@prod:&@nginx:!web1", ["web2"]),
        ("all:!@prod", ["web3", "dev"]),
        # union first, then &, then !, whatever the order written
        ("!web3,web*", ["web1", "web2"]),
        ("&@us,@web,db2", ["web2", "db2"]),
        # only & / ! terms start from all hosts
        ("!@web", ["db1", "db2", "lb1", "dev"]),
        ("&@nginx", ["web1", "web2"]),
        ("!web*:!db*", ["lb1", "dev"]),
        # a result may be empty when every term matched something
        ("@web:&@db", []),
    ],
)
def test_patterns(inv: Inventory, pattern: str | None, expected: list[str]) -> None:
    assert select_hosts(inv, pattern) == expected


def test_unknown_name_suggests_close_matches_and_lists_groups(inv: Inventory) -> None:
    with pytest.raises(UnknownHostError) as err:
        select_hosts(inv, "wbe1")
    msg = str(err.value)
    assert msg.startswith("unknown host 'wbe1'; did you mean web1")
    assert "(groups and tags: @web, @db, @eu, @prod, @nginx, @us, @canary, @edge)" in msg


def test_group_name_without_at_suggests_the_group(inv: Inventory) -> None:
    with pytest.raises(UnknownHostError, match=r"unknown host 'prod'; did you mean @prod\?"):
        select_hosts(inv, "prod")


def test_suggestions_ignore_case(inv: Inventory) -> None:
    with pytest.raises(UnknownHostError, match=r"unknown host 'WEB1'; did you mean web1"):
        select_hosts(inv, "WEB1")


def test_unknown_group_suggests(inv: Inventory) -> None:
    with pytest.raises(UnknownHostError, match=r"unknown group or tag '@wbe'; did you mean @web\?"):
        select_hosts(inv, "@wbe")


def test_glob_matching_nothing(inv: Inventory) -> None:
    with pytest.raises(UnknownHostError, match=r"pattern 'x\*' matched no host"):
        select_hosts(inv, "web1,x*")


@pytest.mark.parametrize("pattern", ["web*:!wbe3", "@web:&@nginxx", "web1,nope"])
def test_a_typo_anywhere_is_an_error_never_a_silent_widening(inv: Inventory, pattern: str) -> None:
    with pytest.raises(UnknownHostError):
        select_hosts(inv, pattern)


@pytest.mark.parametrize("pattern", ["web1:!", "&", "@"])
def test_empty_terms_are_errors(inv: Inventory, pattern: str) -> None:
    with pytest.raises(UnknownHostError, match="empty term"):
        select_hosts(inv, pattern)


def test_no_close_match_still_lists_groups(inv: Inventory) -> None:
    with pytest.raises(UnknownHostError) as err:
        select_hosts(inv, "zzzzzz")
    assert str(err.value).startswith("unknown host 'zzzzzz' (groups and tags: @web")


def test_unknown_host_error_is_a_value_error() -> None:
    assert issubclass(UnknownHostError, ValueError)


def test_group_cycle_is_detected_when_selecting(inv: Inventory) -> None:
    # Loading refuses cycles; this one is made after validation, as code editing an inventory could.
    inv.groups["us"] = ["@prod"]
    with pytest.raises(ValueError, match=r"group cycle @prod -> @us -> @prod"):
        select_hosts(inv, "@prod")


def test_diamond_nesting_is_no_cycle() -> None:
    inv = Inventory.model_validate(
        {
            "groups": {"a": ["@b", "@c"], "b": ["@d"], "c": ["@d"], "d": ["h1"]},
            "hosts": {"h1": {"address": "x"}, "h2": {"address": "y"}},
        }
    )
    assert select_hosts(inv, "@a") == ["h1"]


def test_resolved_groups_include_nested_membership(inv: Inventory) -> None:
    assert inv.resolve("lb1").groups == ["eu", "prod"]
    assert inv.resolve("web2").groups == ["prod", "us", "web"]


def test_completion_lists_hosts_then_labels_once(inv: Inventory) -> None:
    assert host_names_for_completion(inv) == [
        *ALL,
        "@web",
        "@db",
        "@eu",
        "@prod",
        "@nginx",
        "@us",
        "@canary",
        "@edge",
    ]


def test_a_group_and_a_tag_of_the_same_name_are_one_label() -> None:
    inv = Inventory.model_validate(
        {
            "groups": {"web": ["a"]},
            "hosts": {"a": {"address": "x"}, "b": {"address": "y", "tags": ["web"]}, "c": {"address": "z"}},
        }
    )
    assert select_hosts(inv, "@web") == ["a", "b"]
    assert host_names_for_completion(inv) == ["a", "b", "c", "@web"]


def test_resolved_groups_agree_with_group_members(inv: Inventory) -> None:
    """resolve() walks up from a host, members() down from a group: both must tell the same story."""
    for name, host in inv.hosts.items():
        expected = sorted({*host.groups, *(g for g in inv.groups if name in inv.members(g))})
        assert inv.resolve(name).groups == expected, name
