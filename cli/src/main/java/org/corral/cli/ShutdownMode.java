package org.corral.cli;

/** virsh's --mode for shutdown and reboot, as Container.Shutdown/Reboot flags. */
enum ShutdownMode {
    initctl(4), signal(8);

    final int flag;

    ShutdownMode(int flag) {
        this.flag = flag;
    }

    static int flags(ShutdownMode mode) {
        return mode == null ? 0 : mode.flag;
    }
}
