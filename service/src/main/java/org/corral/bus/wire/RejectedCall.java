package org.corral.bus.wire;

import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.messages.MethodCall;

/**
 * Stands in for a call that could not be read: same sender and serial, so the error reply
 * reaches the caller, but addressed to {@link Rejections#PATH}, whose one method answers with
 * InvalidArgs and the reason.
 */
final class RejectedCall extends MethodCall {

    RejectedCall(MethodCall original, String reason) throws DBusException {
        super(original.getEndianess(), original.getSource(), original.getDestination(), Rejections.PATH,
                Rejections.INTERFACE, "Reject", (byte) 0, "s", reason);
        setSerial(original.getSerial());
    }
}
