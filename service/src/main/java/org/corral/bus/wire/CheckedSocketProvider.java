package org.corral.bus.wire;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.Optional;

import org.freedesktop.dbus.spi.message.IMessageReader;
import org.freedesktop.dbus.spi.message.IMessageWriter;
import org.freedesktop.dbus.spi.message.ISocketProvider;
import org.freedesktop.dbus.transport.junixsocket.JUnixSocketSocketProvider;

/**
 * dbus-java's junixsocket transport, with a writer that sends each message at once
 * ({@link WholeMessageWriter}) and one guard: a method call whose arguments cannot be
 * read (a handle index with no file descriptor behind it, as {@code gdbus … "[handle 0]"} sends)
 * makes dbus-java 5.1.1's reader thread die with an unchecked exception, after which the
 * service never answers again. {@link CheckedReader} turns such a call into a refusal instead.
 *
 * <p>Registered as an ISocketProvider; dbus-java uses the first provider on the class path, so
 * corrald puts its own jar first.
 */
public final class CheckedSocketProvider implements ISocketProvider {

    private final JUnixSocketSocketProvider delegate = new JUnixSocketSocketProvider();

    @Override
    public IMessageReader createReader(SocketChannel socket) throws IOException {
        IMessageReader reader = delegate.createReader(socket);
        return reader == null ? null : new CheckedReader(reader);
    }

    @Override
    public IMessageWriter createWriter(SocketChannel socket) throws IOException {
        // As the junixsocket provider: only junixsocket channels (a null makes dbus-java try the next).
        return socket instanceof org.newsclub.net.unix.AFUNIXSocketChannel ? new WholeMessageWriter(socket, this) : null;
    }

    @Override
    public void setFileDescriptorSupport(boolean support) {
        delegate.setFileDescriptorSupport(support);
    }

    @Override
    public boolean isFileDescriptorPassingSupported() {
        return delegate.isFileDescriptorPassingSupported();
    }

    @Override
    public Optional<Integer> getFileDescriptorValue(FileDescriptor fd) {
        return delegate.getFileDescriptorValue(fd);
    }

    @Override
    public Optional<FileDescriptor> createFileDescriptor(int fd) {
        return delegate.createFileDescriptor(fd);
    }
}
