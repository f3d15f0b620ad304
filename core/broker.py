"""kombu's Redis transport, with a worker that survives its broker going away or freezing.

kombu 5.7.0 (the newest on PyPI) can kill a worker when Redis drops: when the consumer's
connection is collected after a broker error, kombu releases the transport (its `client` becomes
None) and then closes the channels; a channel that still holds unacknowledged deliveries (late
acks: every task running at that moment) restores them in `QoS.restore_unacked_once`, which needs a
new Redis connection, whose parameters it reads from the released transport:
`AttributeError: 'NoneType' object has no attribute 'hostname'`. That AttributeError is not one of
the connection errors the worker ignores while restarting its consumer, so it stops the worker
("Unrecoverable error") for good.

Nothing needs restoring at that moment: the deliveries are still in Redis's unacked hash, and
`restore_visible` (run by every worker) puts them back in their queue once the visibility timeout
has passed; with a worker that has reconnected, a job that finished meanwhile is acknowledged
then. So when the transport is already gone this QoS logs the fact and leaves the messages where
they are. Any other error is raised as before.

The same happens to the acknowledgement of a job that was running when the broker dropped and
finishes after the worker reconnected: its channel is the old, released one (`ack`: AttributeError
'NoneType' object has no attribute 'client', "Unrecoverable error", the worker gone; found by
bench/faults.py). It is left unacknowledged too, and Redis delivers it again.

The same QoS also keeps a worker consuming after acknowledgements were lost to a frozen Redis
(see `ack`): with kombu's own, two acks that timed out (a worker of two processes, a freeze while
both jobs finished) left the worker connected and idle for good, with its queue growing.

Used through CELERY_BROKER_TRANSPORT = "core.broker:Transport" for redis:// brokers.
"""

import logging

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual

logger = logging.getLogger(__name__)


class QoS(kombu_redis.QoS):
    def _transport_gone(self) -> bool:
        """Whether this channel's connection was released (the consumer reconnected since)."""
        connection = getattr(self.channel, "connection", None)
        return connection is None or getattr(connection, "client", None) is None

    def ack(self, delivery_tag: str) -> None:
        try:
            if self._transport_gone():
                # A job delivered before the broker dropped and finished after the worker reconnected:
                # its channel is closed, and kombu's ack raised AttributeError ('NoneType' object has
                # no attribute 'client'), which stopped the worker for good. It stays unacknowledged
                # in Redis, which delivers it again after the visibility timeout.
                logger.warning("broker: %s finished on a closed connection; Redis delivers it again", delivery_tag)
                return
            self._remove_from_indices(delivery_tag).execute()
        finally:
            # Free the prefetch slot even when Redis did not answer (frozen, gone): kombu frees it
            # only after Redis took the ack, so each lost ack kept a slot for ever, and once as many
            # acks were lost as the worker prefetches it stopped asking for work (can_consume()
            # False): a live worker that never consumed again. The message itself stays in Redis's
            # unacked set and is delivered again after the visibility timeout (jobs run twice safely).
            virtual.QoS.ack(self, delivery_tag)

    def reject(self, delivery_tag: str, requeue: bool = False) -> None:
        if self._transport_gone():
            virtual.QoS.ack(self, delivery_tag)  # as in ack: Redis delivers it again
            return
        try:
            super().reject(delivery_tag, requeue=requeue)
        except Exception:
            virtual.QoS.ack(self, delivery_tag)  # the same: free the slot; Redis redelivers it later
            raise

    def restore_unacked_once(self, stderr: object = None) -> None:
        try:
            super().restore_unacked_once(stderr)
        except AttributeError:
            if not self._transport_gone():
                raise
            logger.warning(
                "broker: the connection is gone; %d unacknowledged message(s) stay in Redis and are"
                " restored after the visibility timeout",
                len(self._delivered),
            )
            self._delivered.clear()


class Channel(kombu_redis.Channel):
    QoS = QoS


class Transport(kombu_redis.Transport):
    Channel = Channel
