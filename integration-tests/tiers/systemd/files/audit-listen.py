#!/usr/bin/python3
"""Host side of the systemd tier: joins the kernel audit multicast group (AUDIT_NLGRP_READLOG)
and appends every record as "type=<n> <text>" to the file named by argv[1], flushed per line.
Needs CAP_AUDIT_READ in the initial user namespace. run.sh starts it and stops it by PID."""
import socket, struct, sys

NETLINK_AUDIT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, AUDIT_NLGRP_READLOG = 9, 270, 1, 1
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
s.bind((0, 0))
s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, AUDIT_NLGRP_READLOG)
with open(sys.argv[1], "a", buffering=1) as out:
    out.write("listening\n")
    while True:
        data = s.recv(65536)
        off = 0
        while off + 16 <= len(data):
            length, mtype = struct.unpack_from("=IH", data, off)
            if length < 16:
                break
            text = data[off + 16:off + length].rstrip(b"\0").decode("utf-8", "replace")
            out.write("type=%d %s\n" % (mtype, text))
            off += (length + 3) & ~3
