package org.corral.cli;

import java.io.PrintStream;

import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * The one place errors are printed: "corralctl: " and the message on stderr, with the D-Bus
 * error name appended under --verbose (and the stack trace when CORRAL_DEBUG is set); exit
 * status 1. Usage errors are picocli's (exit status 2).
 */
final class ErrorPrinter implements IExecutionExceptionHandler {
    /** Exit status of a failed verb. */
    static final int FAILED = 1;

    private final PrintStream err;

    ErrorPrinter(PrintStream err) {
        this.err = err;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        Object root = commandLine.getCommandSpec().root().userObject();
        boolean verbose = root instanceof Corralctl c && c.verbose;
        print(ex, verbose);
        return FAILED;
    }

    void print(Throwable ex, boolean verbose) {
        err.println("corralctl: " + describe(ex, verbose));
        if (System.getenv("CORRAL_DEBUG") != null) {
            ex.printStackTrace(err);
        }
        err.flush();
    }

    /** The line printed after "corralctl: ". */
    static String describe(Throwable ex, boolean verbose) {
        if (ex instanceof BusError b) {
            String message = b.getMessage() == null || b.getMessage().isBlank() ? "call failed" : b.getMessage();
            return verbose && b.name() != null ? message + " (" + b.name() + ")" : message;
        }
        if (ex instanceof UserError) {
            return ex.getMessage();
        }
        if (ex instanceof DBusExecutionException d) {
            // Only dbus-java's own proxies throw these; ours throw BusError. Name = class name.
            String name = errorName(d.getClass());
            return verbose ? d.getMessage() + " (" + name + ")" : String.valueOf(d.getMessage());
        }
        if (ex instanceof DBusException d) {
            return String.valueOf(d.getMessage());
        }
        String message = ex.getMessage();
        return message == null ? ex.toString() : message + (verbose ? " (" + ex.getClass().getName() + ")" : "");
    }

    /** The D-Bus error name dbus-java would map to {@code type}. */
    static String errorName(Class<?> type) {
        String n = type.getName();
        if (n.startsWith("org.freedesktop.dbus.errors.")) {
            return "org.freedesktop.DBus.Error." + type.getSimpleName();
        }
        return n.replace('$', '.');
    }
}
