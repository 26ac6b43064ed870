package org.corral.cli;

/**
 * A failure on the caller's side found before or after talking to the service (unreadable file,
 * fd not open, ...): printed as "corralctl: MESSAGE", exit status 1.
 */
final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UserError(String message) {
        super(message);
    }

    UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
