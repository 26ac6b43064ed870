package org.corral.bus.wire;

import java.io.IOException;

import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.messages.Message;
import org.freedesktop.dbus.messages.MethodCall;
import org.freedesktop.dbus.spi.message.IMessageReader;

/** Reads messages and replaces calls with unreadable arguments by a {@link RejectedCall}. */
final class CheckedReader implements IMessageReader {

    private final IMessageReader delegate;

    CheckedReader(IMessageReader delegate) {
        this.delegate = delegate;
    }

    @Override
    public Message readMessage() throws IOException, DBusException {
        Message m = delegate.readMessage();
        if (m instanceof MethodCall call && call.getSig() != null && call.getSig().indexOf('h') >= 0) {
            try {
                call.getParameters();
            } catch (RuntimeException e) {
                return new RejectedCall(call, "the call to " + call.getInterface() + "." + call.getName()
                        + " refers to a file descriptor that the message does not carry; nothing was done");
            }
        }
        return m;
    }

    @Override
    public boolean isClosed() {
        return delegate.isClosed();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
