package org.corral.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Work left for after a reply starts when the reply is written, in order, and a failure stops nothing. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AfterReplyTest {

    @Test
    void outsideAMethodCallWorkStartsAtOnce() {
        List<String> ran = new ArrayList<>();
        AfterReply.run(() -> ran.add("now"));
        assertEquals(List.of("now"), ran);
    }

    @Test
    void deferredWorkStartsWhenAReplyIsWrittenInOrderDespiteAFailure() {
        List<String> ran = new ArrayList<>();
        AfterReply.defer(() -> ran.add("first"));
        AfterReply.defer(() -> {
            throw new IllegalStateException("broken on purpose");
        });
        AfterReply.defer(() -> ran.add("third"));
        assertEquals(List.of(), ran, "nothing before the reply");
        AfterReply.replyWritten();
        assertEquals(List.of("first", "third"), ran);
        AfterReply.replyWritten();
        assertEquals(List.of("first", "third"), ran, "each once");
    }
}
