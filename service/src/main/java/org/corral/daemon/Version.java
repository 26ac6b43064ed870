package org.corral.daemon;

/** The version the build stamped into the jar manifest. */
final class Version {

    private Version() {
    }

    static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : "unknown";
    }
}
