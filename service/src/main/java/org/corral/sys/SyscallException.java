package org.corral.sys;

import java.io.IOException;

/** A failed system call: which one, the errno, and the argument it was about. */
public final class SyscallException extends IOException {

    private final String syscall;
    private final int errno;

    public SyscallException(String syscall, int errno, String argument) {
        super(syscall + "(" + argument + "): " + Errno.describe(errno));
        this.syscall = syscall;
        this.errno = errno;
    }

    public String syscall() {
        return syscall;
    }

    public int errno() {
        return errno;
    }
}
