"""networkzero's settings, as ``nw0.config``: the same names, with the
values pgnet really uses.

Example:

    import pgnet.networkzero as nw0
    message = nw0.wait_for_message_from(address, wait_for_s=nw0.config.FOREVER)
"""

from ..settings import settings
from ..transport import FOREVER  # noqa: F401 (a setting here, as in networkzero)

#: How text is turned into bytes (news topics). Example: ``"é".encode(ENCODING)``.
ENCODING = "UTF-8"

#: A short wait, in seconds. Example: ``nw0.discover("robot", SHORT_WAIT)``.
SHORT_WAIT = 1

#: The news prefix that matches every topic.
#: Example: ``nw0.wait_for_news_from(address, EVERYTHING)``.
EVERYTHING = ""

#: What networkzero's commands were acknowledged with (kept for programs that use it).
#: Example: ``nw0.send_reply_to(address, COMMAND_ACK)``.
COMMAND_ACK = "ack"

#: Seconds between a program's adverts: pgnet's, not networkzero's 2.
#: Example: ``print(BEACON_ADVERT_FREQUENCY_S)``   # 0.5
BEACON_ADVERT_FREQUENCY_S = settings.advert_interval_s

#: Seconds after which a program that stopped advertising is forgotten:
#: pgnet's, not networkzero's 20 (see ``advertise``'s ``ttl_s``).
#: Example: ``print(ADVERT_TTL_S)``   # 2.0
ADVERT_TTL_S = settings.advert_ttl_s

#: Every port number, and those networkzero picked from.
#: Example: ``5000 in VALID_PORTS``   # True
VALID_PORTS = range(0x10000)
DYNAMIC_PORTS = range(0xC000, 0x10000)
