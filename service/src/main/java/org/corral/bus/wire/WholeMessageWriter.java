package org.corral.bus.wire;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;

import org.corral.bus.AfterReply;
import org.freedesktop.dbus.exceptions.MarshallingException;
import org.freedesktop.dbus.messages.Message;
import org.freedesktop.dbus.messages.MethodReturn;
import org.freedesktop.dbus.spi.message.IMessageWriter;
import org.freedesktop.dbus.spi.message.ISocketProvider;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * Writes each message with one write instead of one per marshalled piece: dbus-java's own
 * writer sends a reply as about twenty small sendto calls (see the java-dbus-stack notes), which
 * costs the service and dbus-daemon CPU on every call and delays the signals queued behind it.
 * File descriptors go with the message, as in the junixsocket transport's writer. After a reply,
 * the work its call left for later starts ({@link AfterReply}).
 */
final class WholeMessageWriter implements IMessageWriter {

    private final SocketChannel channel;
    private final ISocketProvider provider;

    WholeMessageWriter(SocketChannel channel, ISocketProvider provider) {
        this.channel = channel;
        this.provider = provider;
    }

    @Override
    public void writeMessage(Message msg) throws IOException {
        if (msg == null || msg.getWireData() == null) {
            return;
        }
        if (provider.isFileDescriptorPassingSupported() && channel instanceof AFUNIXSocketChannel unix) {
            List<org.freedesktop.dbus.FileDescriptor> fds = msg.getFiledescriptors();
            if (fds != null && !fds.isEmpty()) {
                FileDescriptor[] out = new FileDescriptor[fds.size()];
                try {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = fds.get(i).toJavaFileDescriptor(provider);
                    }
                } catch (MarshallingException e) {
                    throw new IOException("unable to marshall file descriptors", e);
                }
                unix.setOutboundFileDescriptors(out);
            } else {
                unix.setOutboundFileDescriptors((FileDescriptor[]) null);
            }
        }
        int total = 0;
        for (byte[] part : msg.getWireData()) {
            if (part == null) {
                break;
            }
            total += part.length;
        }
        ByteBuffer whole = ByteBuffer.allocate(total);
        for (byte[] part : msg.getWireData()) {
            if (part == null) {
                break;
            }
            whole.put(part);
        }
        whole.flip();
        while (whole.hasRemaining()) {
            channel.write(whole);
        }
        // The bus has its own copies now: fds the service handed out (a console) can be closed,
        // so that the supervisor sees the client go when it goes.
        List<org.freedesktop.dbus.FileDescriptor> fds = msg.getFiledescriptors();
        if (fds != null) {
            for (org.freedesktop.dbus.FileDescriptor fd : fds) {
                org.corral.bus.ReturnedFds.sent(fd.getIntFileDescriptor());
            }
        }
        if (msg instanceof MethodReturn || msg instanceof org.freedesktop.dbus.messages.Error) {
            AfterReply.replyWritten();
        }
    }

    @Override
    public void close() throws IOException {
        if (channel.isOpen()) {
            channel.close();
        }
    }

    @Override
    public boolean isClosed() {
        return !channel.isOpen();
    }
}
