package org.corral.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import picocli.AutoComplete;

/** Build step: writes corralctl's bash completion script (picocli AutoComplete) to the file named. */
public final class CompletionScript {
    private CompletionScript() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: CompletionScript OUTPUT-FILE");
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, script(), StandardCharsets.UTF_8);
    }

    static String script() {
        return AutoComplete.bash("corralctl", Corralctl.fullCommandLine());
    }
}
