"""The pgnet service name an OSC port is advertised under, so that pgnet
programs can send OSC to it by name.

Example:

    service_name("drums")   # 'drums/osc'
"""

from .. import discovery

#: What pgnet's OSC service names end with: ``listen(9000, name="drums")``
#: advertises ``"drums/osc"``, so a program's OSC port and its pgnet
#: messages can share one name.
NAME_SUFFIX = "/osc"

def service_name(name):
    """The pgnet service name under which ``name``'s OSC port is
    advertised: ``name`` + ``NAME_SUFFIX`` (unless it ends with it already).

    Example: ``service_name("drums")`` is ``"drums/osc"``."""
    discovery.check_name(name)
    full = name if name.endswith(NAME_SUFFIX) else name + NAME_SUFFIX
    discovery.check_name(full)
    return full
