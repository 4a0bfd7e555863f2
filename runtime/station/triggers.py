"""Station queries of the Remote Trigger profile (OCPP 1.6 §5.17).

A triggered MeterValues.req reports the connector's current readings and, while a
transaction runs there, its transactionId. It is not a transaction message of its own: it
goes out at once, outside the transaction message queue (§3.7), so it needs the
transactionId the Central System already gave, which the store keeps per transaction.
"""

from __future__ import annotations

from runtime.station.port import StationPort

__all__ = ["TriggerServices"]


class TriggerServices:
    """The Remote Trigger queries, mixed into the station's services."""

    station: StationPort

    def q_transaction_id(self, connector: int) -> int:
        """The transactionId of the transaction open on the connector (§5.17, §6.31).

        Args:
            connector: the connector id.

        Returns:
            The id from StartTransaction.conf of this boot's open transaction, or 0 when none
            runs or its StartTransaction.conf has not come yet (-1, undeliverable, counts as
            unknown too, errata E3.18): a triggered MeterValues.req then leaves the field out.
        """
        open_here = [
            t
            for t in self.station.store.open_transactions()
            if t.connector == connector and t.ref >= self.station.boot_ref
        ]
        if not open_here or open_here[-1].transaction_id is None:
            return 0
        return max(int(open_here[-1].transaction_id), 0)
