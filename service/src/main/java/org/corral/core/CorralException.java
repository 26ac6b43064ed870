package org.corral.core;

/**
 * The one exception type that core code throws.
 *
 * <p>Every failure a caller can cause or see carries a {@link Kind} and a message that says what
 * went wrong and where (file, line, container name). Core code never logs these and never knows
 * about D-Bus: the bus adapter maps the kind once to an {@code org.corral1.Error.*} name.
 */
public class CorralException extends Exception {

    /** What went wrong, in the words of the public error vocabulary. */
    public enum Kind {
        /** The domain XML is malformed, unsupported or violates a rule. */
        INVALID_CONFIG,
        /** A method argument other than XML is invalid (flags, names, fds). */
        INVALID_ARGS,
        /** No container has that name, UUID or path. */
        NO_SUCH_CONTAINER,
        /** No network has that name. */
        NO_SUCH_NETWORK,
        /** A name or UUID is already taken by another container. */
        ALREADY_EXISTS,
        /** The caller is not allowed to do this. */
        ACCESS_DENIED,
        /** polkit would allow it after authentication, and the caller did not allow interaction. */
        INTERACTIVE_AUTH_REQUIRED,
        /** The container is running and the operation needs it stopped. */
        ALREADY_RUNNING,
        /** The container is not running and the operation needs it running. */
        NOT_RUNNING,
        /** Someone else holds the resource (console, lock). */
        BUSY,
        /** A system call or file operation failed; the message names it. */
        FAILED
    }

    private final Kind kind;

    public CorralException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public CorralException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static CorralException invalidConfig(String message) {
        return new CorralException(Kind.INVALID_CONFIG, message);
    }

    public static CorralException invalidArgs(String message) {
        return new CorralException(Kind.INVALID_ARGS, message);
    }

    public static CorralException noSuchContainer(String message) {
        return new CorralException(Kind.NO_SUCH_CONTAINER, message);
    }

    public static CorralException alreadyExists(String message) {
        return new CorralException(Kind.ALREADY_EXISTS, message);
    }
}
