package org.corral.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.corral.config.model.Domain;
import org.corral.store.ConfigStore;

/**
 * The stored container definitions, read on a thread of their own from the first moment. Bus
 * activation waits for the whole start-up, and reading even one definition builds the JAXB
 * context of the domain model first (about 100 ms with the class archive), which the main
 * thread would otherwise spend after Log4j's start and dbus-java's SASL class. On two cores
 * the gain is small (9 and 13 ms lower medians in two runs of 15-20 alternating activations,
 * one container defined): the threads share the CPUs.
 */
final class DefinitionLoader {

    private final CompletableFuture<List<Domain>> definitions = new CompletableFuture<>();

    private DefinitionLoader() {
    }

    /** Opens the store (directory made, crash leftovers swept) and reads every definition. */
    static DefinitionLoader start(ConfigStore store) {
        DefinitionLoader l = new DefinitionLoader();
        Thread t = new Thread(() -> {
            try {
                store.open();
                l.definitions.complete(store.loadAll());
            } catch (IOException e) {
                l.definitions.completeExceptionally(new UncheckedIOException(e));
            } catch (RuntimeException e) {
                l.definitions.completeExceptionally(e);
            }
        }, "corral-load");
        t.setDaemon(true);
        t.start();
        return l;
    }

    /** Every readable definition (bad files were logged and skipped). */
    List<Domain> await() throws IOException {
        try {
            return definitions.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }
}
