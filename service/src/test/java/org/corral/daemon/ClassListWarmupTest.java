package org.corral.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.corral.config.DomainXml;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The warm-up's sample is a valid definition (a bad one would only log a warning). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClassListWarmupTest {

    @Test
    void theSampleParses() throws Exception {
        assertEquals("corral-class-list-sample", DomainXml.parse(ClassListWarmup.SAMPLE).getName());
    }
}
