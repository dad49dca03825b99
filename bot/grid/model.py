"""The grid as data: orgs, people, chat references, and the immutable `Grid` snapshot that routes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

DEFAULT_MAX_OPEN = 5
"""Most open cases a person holds at once unless their record says otherwise."""

PLATFORMS = {
    "qq": "QQ",
    "wecom": "企业微信",
    "qqbot": "QQ 官方机器人",
    "wechat": "微信服务号",
}
"""Platforms a person's accounts may be on -> their name for admins. `qq`: a QQ number (OneBot);
`wecom`: a 企业微信 userid; `qqbot`: the person's openid with the official QQ bot (per app: most
cadres link it with a one-time code instead, see `bot.accounts.service`); `wechat`: a 服务号 openid."""


class OrgLevel(str, Enum):
    """Level of a League org, top (city) to bottom (branch)."""

    CITY = "city"
    """团市委"""
    DISTRICT = "district"
    """县区团委"""
    STREET = "street"
    """街道团工委 / 乡镇团委"""
    BRANCH = "branch"
    """团支部"""

    @property
    def rank(self) -> int:
        """0 for the city level, growing downwards."""
        return list(OrgLevel).index(self)


class Role(str, Enum):
    """What a person does in the grid."""

    CADRE = "cadre"
    """团干部: answers the cases of their orgs."""
    EXPERT = "expert"
    """专家: answers the cases of their topics, from any org."""
    ADMIN = "admin"
    """管理员: may act on any case."""


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A chat (group) on a platform, e.g. `ChatRef("qq", "40001")`."""

    platform: str
    id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class Org:
    """One node of the League tree."""

    id: str
    name: str
    level: OrgLevel
    parent: str | None = None
    """Id of the parent org; None for the root."""
    groups: tuple[ChatRef, ...] = ()
    """Youth chat groups that belong to this org."""
    work_group: ChatRef | None = None
    """团干部工作群: where cases are posted when a private message to the assignee fails."""
    tags: tuple[str, ...] = ()
    """Labels for targeting activities (农村青年, 企业青年, 在校学生…)."""


@dataclass(frozen=True, slots=True)
class Person:
    """A cadre, expert or admin, and how to reach them."""

    id: str
    name: str
    role: Role
    orgs: tuple[str, ...] = ()
    """Ids of the orgs this person is responsible for (cadres) or belongs to."""
    qq: str | None = None
    """Shorthand for `accounts={"qq": …}`; read accounts with `account()`."""
    wecom: str | None = None
    """Shorthand for `accounts={"wecom": …}` (企业微信 userid)."""
    on_duty: bool = True
    max_open: int = DEFAULT_MAX_OPEN
    """Most open cases assigned at once."""
    topics: tuple[str, ...] = ()
    """Topics an expert answers (就业, 心理, …)."""
    accounts: tuple[tuple[str, str], ...] = ()
    """(platform, account) pairs, one per platform, `qq` and `wecom` included; a mapping is
    accepted too. Raises ValueError where a shorthand field says otherwise."""

    def __post_init__(self) -> None:
        given = self.accounts.items() if isinstance(self.accounts, Mapping) else self.accounts
        merged: dict[str, str] = {}
        for platform, account in given:
            if account:
                merged[str(platform)] = str(account)
        for platform, shorthand in (("qq", self.qq), ("wecom", self.wecom)):
            if shorthand and merged.setdefault(platform, shorthand) != shorthand:
                raise ValueError(
                    f"person {self.id}: {platform} {shorthand} and {merged[platform]} differ"
                )
        # Frozen: set once here, as the constructor would.
        object.__setattr__(self, "accounts", tuple(merged.items()))
        object.__setattr__(self, "qq", merged.get("qq"))
        object.__setattr__(self, "wecom", merged.get("wecom"))

    def account(self, platform: str) -> str | None:
        """This person's account on `platform` as the grid files give it, if any (accounts
        linked in the bot, such as an official-QQ openid, are in `bot.accounts.service`)."""
        for own, account in self.accounts:
            if own == platform:
                return account
        return None


class Grid:
    """An immutable snapshot of the grid, with the look-ups that routing needs.

    Construction checks that the data is consistent (every parent and person org exists, no
    cycles, no chat group under two orgs); the loader only passes data it has made so.
    """

    __slots__ = ("_accounts", "_chats", "_children", "_orgs", "_people", "_topics")

    def __init__(
        self,
        orgs: Iterable[Org] = (),
        people: Iterable[Person] = (),
        topics: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """`topics`: topic -> keywords, in the order `topic_of` tries them.

        Raises ValueError for inconsistent data.
        """
        self._orgs = MappingProxyType({org.id: org for org in orgs})
        self._people = MappingProxyType({person.id: person for person in people})
        self._topics = MappingProxyType(
            {topic: tuple(words) for topic, words in (topics or {}).items()}
        )
        children: dict[str, list[str]] = {org_id: [] for org_id in self._orgs}
        chats: dict[ChatRef, str] = {}
        for org in self._orgs.values():
            if org.parent is not None:
                if org.parent not in self._orgs:
                    raise ValueError(f"org {org.id}: unknown parent {org.parent}")
                children[org.parent].append(org.id)
            for chat in org.groups:
                if chats.setdefault(chat, org.id) != org.id:
                    raise ValueError(f"chat {chat} belongs to {chats[chat]} and {org.id}")
        self._children = MappingProxyType({k: tuple(v) for k, v in children.items()})
        self._chats = MappingProxyType(chats)
        for org_id in self._orgs:
            self.ancestors(org_id)  # raises on a cycle
        accounts: dict[tuple[str, str], Person] = {}
        for person in self._people.values():
            unknown = [org_id for org_id in person.orgs if org_id not in self._orgs]
            if unknown:
                raise ValueError(f"person {person.id}: unknown orgs {unknown}")
            for platform, account in person.accounts:
                if accounts.setdefault((platform, account), person) is not person:
                    raise ValueError(f"{platform} account {account} used twice")
        self._accounts = MappingProxyType(accounts)

    @property
    def orgs(self) -> Mapping[str, Org]:
        """Org id -> org, in file order."""
        return self._orgs

    @property
    def people(self) -> Mapping[str, Person]:
        """Person id -> person, in file order."""
        return self._people

    @property
    def topics(self) -> Mapping[str, tuple[str, ...]]:
        """Topic -> keywords, in file order."""
        return self._topics

    def __bool__(self) -> bool:
        return bool(self._orgs or self._people)

    def org_of_chat(self, platform: str, chat_id: str | int) -> Org | None:
        """The org a chat group belongs to, if any."""
        org_id = self._chats.get(ChatRef(platform, str(chat_id)))
        return self._orgs[org_id] if org_id is not None else None

    def ancestors(self, org_id: str) -> list[Org]:
        """The parent of `org_id`, its parent, … up to the root (empty for a root or unknown id)."""
        found: list[Org] = []
        seen = {org_id}
        org = self._orgs.get(org_id)
        while org is not None and org.parent is not None:
            if org.parent in seen:
                raise ValueError(f"org {org_id}: parents form a cycle")
            seen.add(org.parent)
            org = self._orgs[org.parent]
            found.append(org)
        return found

    def descendants(self, org_id: str) -> frozenset[str]:
        """Ids of `org_id` and every org below it (empty for an unknown id)."""
        if org_id not in self._orgs:
            return frozenset()
        found: set[str] = set()
        stack = [org_id]
        while stack:
            current = stack.pop()
            found.add(current)
            stack.extend(self._children[current])
        return frozenset(found)

    def work_group_of(self, org_id: str) -> ChatRef | None:
        """The 团干部工作群 of `org_id`, or else of its nearest ancestor that has one."""
        org = self._orgs.get(org_id)
        for current in [org, *self.ancestors(org_id)] if org is not None else []:
            if current.work_group is not None:
                return current.work_group
        return None

    def cadres(self, org_id: str, on_duty_only: bool = True) -> list[Person]:
        """Cadres responsible for `org_id` itself (not its parents), in file order."""
        return [
            person
            for person in self._people.values()
            if person.role is Role.CADRE
            and org_id in person.orgs
            and (person.on_duty or not on_duty_only)
        ]

    def experts(self, topic: str, on_duty_only: bool = True) -> list[Person]:
        """Experts on `topic`, in file order."""
        return [
            person
            for person in self._people.values()
            if person.role is Role.EXPERT
            and topic in person.topics
            and (person.on_duty or not on_duty_only)
        ]

    def find_org(self, name: str) -> str | None:
        """The org someone named: its id or exact name, else the only one whose name contains
        the text (or is contained in it)."""
        name = name.strip()
        if name in self._orgs:
            return name
        exact = [o.id for o in self._orgs.values() if o.name == name]
        if exact:
            return exact[0]
        near = [o.id for o in self._orgs.values() if name and (name in o.name or o.name in name)]
        return near[0] if len(near) == 1 else None

    def person_by_account(self, platform: str, account: str | int) -> Person | None:
        """The person the grid files give this account on `platform` (see `PLATFORMS`)."""
        return self._accounts.get((platform, str(account)))

    def topic_of(self, text: str) -> str | None:
        """The first topic (in file order) whose name or one of whose keywords occurs in `text`."""
        folded = text.casefold()
        for topic, keywords in self._topics.items():
            if any(word.casefold() in folded for word in (topic, *keywords)):
                return topic
        return None

    def is_above_or_at(self, person: Person, org_id: str) -> bool:
        """True if `person` belongs to `org_id` or to one of its ancestors."""
        if org_id not in self._orgs:
            return False
        chain = {org_id, *(org.id for org in self.ancestors(org_id))}
        return any(own in chain for own in person.orgs)

    def is_admin(self, person: Person) -> bool:
        """True if `person` is an admin of the grid."""
        return person.role is Role.ADMIN
