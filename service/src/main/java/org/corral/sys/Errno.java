package org.corral.sys;

/** Text for errno values, as strerror gives it ("No such file or directory"). */
public final class Errno {

    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EINVAL = 22;
    public static final int EBUSY = 16;
    public static final int ENODEV = 19;

    private Errno() {
    }

    public static String describe(int errno) {
        jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(errno);
        return e == null || !e.defined() ? "errno " + errno : e.description() + " (" + e.name() + ")";
    }
}
