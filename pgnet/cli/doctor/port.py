"""The doctor's check on the discovery port: free, shared with other pgnet
programs (as it should be), or taken by a program that does not share it,
and by which one.

Example:

    if check_discovery_port(report, 46374):
        ...   # pgnet programs on this computer can hear discovery packets
"""

import os
import socket

from ... import discovery

# EADDRINUSE ("address already in use") as Linux, macOS and Windows number it.
_IN_USE = (98, 48, 10048)


def bind_test(port, shared):
    """None if UDP ``port`` can be bound (as pgnet does, if ``shared``), else
    the ``OSError``.

    Example:

        bind_test(46374, shared=True)   # None: pgnet programs could use it
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        if shared:
            discovery.share_port(sock)
        sock.bind(("", port))
        return None
    except OSError as error:
        return error
    finally:
        sock.close()


def program_name(pid):
    """``python game.py`` for a process (Linux): its program, and its script
    if any; ``?`` if it cannot be seen.

    Example:

        program_name(os.getpid())   # 'python3 -m pytest'
    """
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            argv = f.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return "?"
    words = [os.path.basename(argv[0])]
    words += [os.path.basename(a) for a in argv[1:3] if a.endswith(".py")]
    if len(argv) > 1 and argv[1] in ("-m", "-c"):
        words += [argv[1], (argv[2] if argv[1] == "-m" else "...")]
    return " ".join(words)


def port_owners(port):
    """Linux: ``[(pid, program name)]`` of the processes holding UDP
    ``port``; an empty list elsewhere, or if they cannot be seen.

    Example:

        port_owners(46374)   # [(4242, 'python3 game.py')]
    """
    inodes = set()
    try:
        with open("/proc/net/udp") as table:
            next(table)
            for line in table:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    except (OSError, ValueError, IndexError, StopIteration):
        return []
    owners = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                owners.append((int(pid), program_name(pid)))
                break
    return owners


def report_discovery_port(report, port, state, error=None, owners=()):
    """Report on the discovery port; True if pgnet programs here can use it.

    ``state`` is "free", "shared" or "blocked"; when blocked, ``error`` is
    why it cannot be opened and ``owners`` who holds it (``port_owners``).

    Example:

        report_discovery_port(report, 46374, "shared")   # True
    """
    report.line("")
    report.line("Discovery port UDP %d:" % port)
    if state == "free":
        report.line("  free: no other pgnet program is running on this computer.")
        report.ok("discovery port %d: free." % port)
        return True
    if state == "shared":
        report.line("  shared with other pgnet programs on this computer (as it should be).")
        report.ok("discovery port %d: shared with other pgnet programs." % port)
        return True
    if getattr(error, "errno", None) in _IN_USE:
        held_by = (" (%s)" % ", ".join("process %d, %s" % o for o in owners)) if owners else ""
        report.line("  taken by a program that does not share it%s." % held_by)
        report.problem(
            "discovery port %d is taken by a program that is not pgnet%s, so "
            "pgnet programs here cannot find others by name." % (port, held_by),
            "Close that program. If it must keep the port, choose another "
            "discovery port for the whole class: set PGNET_DISCOVERY_PORT "
            "(for example PGNET_DISCOVERY_PORT=%d) on every computer. (On Linux "
            "and macOS a pgnet program run by another user also holds it.)"
            % (port + 1 if port < 65535 else 47000),
        )
    else:
        report.line("  cannot be opened: %s." % (error.strerror or error))
        report.problem(
            "discovery port %d cannot be opened (%s)." % (port, error.strerror or error),
            "Choose another port for the whole class with PGNET_DISCOVERY_PORT "
            "(above 1024), set on every computer.",
        )
    return False


def check_discovery_port(report, port):
    """Try to open the discovery ``port`` alone, then shared as pgnet does,
    and report which worked; True if pgnet programs here can use it.

    Example:

        check_discovery_port(report, 46374)   # True
    """
    if bind_test(port, shared=False) is None:
        return report_discovery_port(report, port, "free")
    error = bind_test(port, shared=True)
    if error is None:
        return report_discovery_port(report, port, "shared")
    return report_discovery_port(report, port, "blocked", error, port_owners(port))
