package org.corral.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A verb: connects, does its calls, closes the connection (before the JVM exits, see
 * {@link Bus}) and returns the exit status. Errors propagate to {@link ErrorPrinter}.
 */
abstract class Verb implements Callable<Integer> {

    @ParentCommand
    Corralctl root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (Bus bus = root.connect()) {
            return run(bus);
        }
    }

    abstract int run(Bus bus) throws Exception;

    static PrintStream out() {
        return System.out;
    }

    static PrintStream err() {
        return System.err;
    }
}
