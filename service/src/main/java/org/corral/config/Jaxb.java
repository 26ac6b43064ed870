package org.corral.config;

import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBException;
import org.corral.config.model.Domain;

/** The shared JAXB context: expensive to build, thread-safe once built. */
final class Jaxb {

    private Jaxb() {
    }

    private static final class Holder {
        static final JAXBContext CONTEXT = create();

        private static JAXBContext create() {
            try {
                return JAXBContext.newInstance(Domain.class);
            } catch (JAXBException e) {
                throw new IllegalStateException("the domain model is not a valid JAXB model", e);
            }
        }
    }

    static JAXBContext context() {
        return Holder.CONTEXT;
    }
}
