"""The Local Authorization List: its queries and operations (OCPP 1.6 §3.5.2, §5.10, §5.15).

Theory of operation: the LocalAuthList machine (specs/ocpp16/machines/local_auth_list.yaml)
answers GetLocalListVersion and SendLocalList; it reads ``station.local_list_version()`` and
``station.local_list_update_valid(...)`` and changes the list only with
``invoke: apply_local_list`` (§3.5.2: the list changes by SendLocalList and nothing else). The
list and its version live in the store (one SQLite transaction per update, so both survive a
reboot together, §3.5.2 "non-volatile").

The authorization queries of :class:`~runtime.station.services.StationServices` ask
:meth:`LocalListServices.list_authorization` and :meth:`LocalListServices.list_parent` first:
while LocalAuthListEnabled is true the list wins over the Authorization Cache for the idTags
it holds (§3.5.3), an idTag it holds is never put in the cache (§3.5.3), and an IdTagInfo
that contradicts it is reported as a LocalListConflict (§3.5.2). With the key
false (or on a Charge Point without the profile, which has no such key) the list is not
consulted at all; its content stays for when it is switched on again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runtime.ocppj.datetime import from_iso8601
from runtime.station.port import StationPort
from runtime.station.store import ListEntry

__all__ = ["LocalListServices"]

# §3.5.2: the list marks an identifier valid with Accepted or ConcurrentTx.
_VALID = frozenset({"Accepted", "ConcurrentTx"})


def _entries(raw: Any) -> list[Mapping[str, Any]]:
    """The AuthorizationData items of a SendLocalList (absent: none, §6.41)."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return []
    return [item for item in raw if isinstance(item, Mapping)]


class LocalListServices:
    """Queries ``local_list_*`` and the operation ``apply_local_list`` of a station.

    Mixed into :class:`~runtime.station.services.StationServices`; reads its station through
    the same :class:`~runtime.station.port.StationPort`.
    """

    station: StationPort

    # --- helpers ----------------------------------------------------------------------------
    def _list_enabled(self) -> bool:
        """§3.5.2/§9.2.1: the list is used only while LocalAuthListEnabled is true; a Charge
        Point whose PICS does not declare the profile has no such key (read as false)."""
        config = self.station.config
        return bool(config.is_known("LocalAuthListEnabled")) and bool(
            config.get_bool("LocalAuthListEnabled")
        )

    def _listed(self, id_tag: str) -> ListEntry | None:
        if not id_tag or not self._list_enabled():
            return None
        return self.station.store.local_list_get(id_tag)

    def _limit(self, key: str) -> int | None:
        config = self.station.config
        return int(config.get_int(key)) if config.is_known(key) else None

    # --- used by the authorization queries of StationServices -------------------------------
    def list_authorization(self, id_tag: str) -> str | None:
        """§3.5.2/§3.5.4: the status the list gives ``id_tag`` (Expired once an Accepted
        entry's expiryDate has passed, or when it cannot be read); None when the list is off
        or does not hold the idTag, so the cache decides (§3.5.3)."""
        entry = self._listed(id_tag)
        if entry is None:
            return None
        if entry.status == "Accepted" and entry.expiry:
            try:
                expired = from_iso8601(entry.expiry) <= self.station.now + self.station.clock_offset
            except ValueError:
                expired = True
            if expired:
                return "Expired"
        return str(entry.status)

    def list_parent(self, id_tag: str) -> str | None:
        """§3.10: the parentIdTag the list holds for ``id_tag`` ('' if none); None when the
        list is off or does not hold the idTag."""
        entry = self._listed(id_tag)
        return None if entry is None else (entry.parent_id_tag or "")

    def list_answer(self, id_tag: str, id_tag_info: Mapping[str, Any]) -> bool:
        """An IdTagInfo received for ``id_tag`` (op_update_cache): True when the enabled list
        holds the idTag, which then stays out of the cache (§3.5.3).

        §3.5.2: when the answer disagrees with the list about whether the idTag is valid
        (Accepted and ConcurrentTx are valid; an entry past its expiryDate is not), the
        conflict is raised as ``internal.local_list_conflict``, which ChargePointStatus
        reports on connector 0. The clause names StartTransaction.conf "for instance"; we
        take every IdTagInfo (Authorize.conf, StartTransaction.conf, StopTransaction.conf) and
        compare validity, not the exact status (ambiguous). The list itself is not changed
        (§3.5.2: only SendLocalList changes it).
        """
        listed = self.list_authorization(id_tag)
        if listed is None:
            return False
        if (listed in _VALID) != (id_tag_info.get("status") in _VALID):
            self.station.raise_event("internal.local_list_conflict", {})
        return True

    # --- queries ----------------------------------------------------------------------------
    def q_local_list_version(self) -> int:
        """§5.10: the version of the list; 0 while the list is empty, whatever version the
        update that emptied it carried (OCTT TC_042_2_CS: a Full update of version 1 without
        entries, then 0)."""
        store = self.station.store
        return store.local_list_version() if store.local_list_count() else 0

    def q_local_list_update_valid(self, update_type: str, list_version: Any, raw: Any) -> bool:
        """§5.15, §6.41, §7.1, errata E3.52: whether a SendLocalList can be stored as sent.

        Not when: the version is 0 or below (E3.52: they mean "empty" and "not supported");
        it carries more entries than SendLocalListMaxLength (§6.41); an idTag appears twice
        (§6.41: they MUST be unique, compared without case, §7.28); a Full update has an
        entry without idTagInfo (§7.1: required for Full); or the list would then hold more
        than LocalAuthListMaxLength identifiers (§9.2.2). The answer is then Failed and the
        list is left as it was.
        """
        entries = _entries(raw)
        if not isinstance(list_version, int) or isinstance(list_version, bool) or list_version <= 0:
            return False
        send_limit = self._limit("SendLocalListMaxLength")
        if send_limit is not None and len(entries) > send_limit:
            return False
        folded = [str(e.get("idTag", "")).casefold() for e in entries]
        if len(set(folded)) != len(folded):
            return False
        full = update_type == "Full"
        if full and any(not isinstance(e.get("idTagInfo"), Mapping) for e in entries):
            return False
        size_limit = self._limit("LocalAuthListMaxLength")
        return size_limit is None or self._size_after(full, entries) <= size_limit

    def _size_after(self, full: bool, entries: list[Mapping[str, Any]]) -> int:
        if full:
            return len(entries)
        store = self.station.store
        held = {e.id_tag.casefold() for e in store.local_list_entries()}
        for entry in entries:
            key = str(entry.get("idTag", "")).casefold()
            if isinstance(entry.get("idTagInfo"), Mapping):
                held.add(key)
            else:
                held.discard(key)
        return len(held)

    # --- operations -------------------------------------------------------------------------
    def op_apply_local_list(self, update_type: str, list_version: int, entries: Any) -> None:
        """§5.15, §7.1, §7.49: Full replaces the list (none given: it is emptied);
        Differential adds or overwrites each entry with idTagInfo and deletes each without
        (none given: only the version changes). The list takes the version sent."""
        upserts: list[ListEntry] = []
        removals: list[str] = []
        for item in _entries(entries):
            id_tag = str(item.get("idTag", ""))
            info = item.get("idTagInfo")
            if isinstance(info, Mapping):
                upserts.append(
                    ListEntry(
                        id_tag=id_tag,
                        status=str(info.get("status", "Invalid")),
                        expiry=info.get("expiryDate"),
                        parent_id_tag=info.get("parentIdTag"),
                    )
                )
            else:
                removals.append(id_tag)
        self.station.store.local_list_update(
            int(list_version), replace=update_type == "Full", upserts=upserts, removals=removals
        )
